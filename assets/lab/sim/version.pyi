"""The module kctui.lab.packages.build_labsim writes into a versioned labsim; absent otherwise."""

K8S_VERSION: str
CONTAINERD_VERSION: str
RELEASES: dict[str, dict[str, str]]  # Kubernetes version -> {"etcd", "pause", "coredns"} tags
