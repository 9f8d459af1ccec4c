"""check-expiration's tables read as kubeadm prints them."""

from __future__ import annotations


def test_check_expiration_is_read_as_kubeadm_prints_it() -> None:
    from engine.clusters.certs import parse_expiration

    text = """CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Dec 30, 2024 23:36 UTC   364d            ca                      no
apiserver-etcd-client      Dec 09, 2024 23:36 UTC   9d              etcd-ca                 no

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Dec 28, 2033 23:36 UTC   9y              no
"""
    rows = parse_expiration("m1", text)
    assert [(r.name, r.authority, r.expires.year) for r in rows] == [
        ("admin.conf", "ca", 2024),
        ("apiserver-etcd-client", "etcd-ca", 2024),
        ("ca", "", 2033),
    ]
