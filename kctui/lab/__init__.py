"""The lab: local hosts in network namespaces, each with its own sshd, for demos and tests."""
