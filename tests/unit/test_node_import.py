"""Node files: CSV, YAML and Ansible INI; every bad line named, nothing stored on error."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import said
from engine.nodes.imports import ImportError_, parse
from engine.nodes.service import validate
from store.documents.node import Node


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nodes.csv",
        (
            "name,address,port,user,key,region,labels,hostKey\n"
            "m1,10.0.0.1,,root,~/.ssh/id,east,zone=a;disk=ssd,SHA256:abc\n"
            ",10.0.0.2,2222,ops,,,,\n"
        ),
    )
    (m1, fp1), (n2, fp2) = parse(path)
    assert (m1.name, m1.region, m1.labels, fp1) == (
        "m1",
        "east",
        {"zone": "a", "disk": "ssd"},
        "SHA256:abc",
    )
    assert (n2.name, n2.port, n2.user, fp2) == ("10-0-0-2", 2222, "ops", "")


def test_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nodes.yaml",
        (
            "- {name: a, address: 10.0.0.1, labels: {role: db}}\n"
            "- name: b\n  address: b.example.lan\n  jump: admin@bastion:2200\n"
        ),
    )
    (a, _), (b, _) = parse(path)
    assert a.labels == {"role": "db"} and b.jump == "admin@bastion:2200"


def test_ansible_ini(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "hosts",
        (
            "[masters]\nm1 ansible_host=10.0.0.1 ansible_user=root\n\n"
            "[workers]\nw1 ansible_host=10.0.0.2 ansible_port=2222 region=east\n"
            "[all:vars]\nansible_python_interpreter=/usr/bin/python3\n"
        ),
    )
    (m1, _), (w1, _) = parse(path)
    assert (m1.address, m1.user, m1.labels) == ("10.0.0.1", "root", {"kctui.io/group": "masters"})
    assert (w1.port, w1.region) == (2222, "east")


def test_every_bad_line_is_named_and_nothing_is_returned(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nodes.csv",
        (
            "name,address,labels\n"
            "ok,10.0.0.1,\n"
            "Bad_Name,10.0.0.2,\n"
            "c,,\n"
            "ok,10.0.0.3,\n"
            "d,10.0.0.4,novalue\n"
        ),
    )
    with pytest.raises(ImportError_) as err:
        parse(path)
    text = str(err.value)
    assert "nothing imported" in text
    assert "line 3: name 'Bad_Name'" in text
    assert "line 4: address is required" in text
    assert "line 5: name 'ok' appears twice" in text
    assert "line 6: label 'novalue': use KEY=VALUE" in text


def test_yaml_problems_carry_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "nodes.yml", "- {name: a, address: 10.0.0.1}\n- {name: b, adress: x}\n")
    with pytest.raises(ImportError_, match=r"line 2: unknown field.*adress"):
        parse(path)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "-x"}, "name '-x'"),
        ({"address": "not an address!"}, "address 'not an address!'"),
        ({"jump": "a@b@c"}, "jump 'a@b@c': use USER@HOST[:PORT]"),
        ({"region": "East"}, "region 'East'"),
        ({"labels": {"bad key!": "v"}}, "labels 'bad key!'"),
        ({"labels": {"k": "bad value!"}}, "labels: k='bad value!'"),
    ],
)
def test_validation_names_the_field(fields: dict[str, object], message: str) -> None:
    node = Node.model_validate({"name": "n", "address": "10.0.0.1", **fields})
    assert any(message in said(p, p.field) for p in validate(node))
