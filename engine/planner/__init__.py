"""Planners: a cluster spec becomes an Operation, a list of steps on nodes."""
