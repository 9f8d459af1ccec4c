"""labsim: one executable behind every lab shim; what it does depends on the name it runs as."""

import os
import sys

import common


def main() -> int:
    prog = os.environ.pop("LABSIM_PROG", "") or os.path.basename(sys.argv[0])
    common.record(prog, sys.argv[1:])
    common.apply_faults(prog)
    if prog in ("systemctl", "modprobe", "sysctl", "swapoff", "mount", "umount"):
        import hostcmds

        return hostcmds.run(prog, sys.argv[1:])
    if prog in ("kubeadm",):
        import kubeadm

        return kubeadm.main(sys.argv[1:])
    if prog == "kube-apiserver":
        import apiserver

        return apiserver.main(sys.argv[1:])
    if prog == "haproxy":
        import lb

        return lb.main(sys.argv[1:])
    if prog in ("kubelet",):
        import kubelet

        return kubelet.main(sys.argv[1:])
    if prog in ("kubectl",):
        import kubectl

        return kubectl.main(sys.argv[1:])
    if prog in ("containerd", "ctr", "crictl"):
        import runtime

        return runtime.main(prog, sys.argv[1:])
    print(f"labsim: unknown command {prog}", file=sys.stderr)
    return 127


sys.exit(main())
