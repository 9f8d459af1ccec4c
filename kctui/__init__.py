"""kctui: create and run kubeadm Kubernetes clusters over SSH from a jump host."""

__version__ = "0.1.0"
