# Two commands for a new machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the integration tests and the lab use; haproxy and containerd check the files
# a plan writes (tests/fidelity).
DEB_PACKAGES := iproute2 openssh-server openssh-client sudo etcd-server etcd-client openssl python3-yaml curl \
	haproxy containerd docker-registry skopeo
DEMO_DATA := .demo/data

.PHONY: demo test lint typecheck layers unit bench faults system-deps clean

$(BIN)/kctui: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/pip install --quiet -e . --group dev
	touch $@

# Installs only what is missing, and only as root (CI and the lab run as root).
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "missing Debian packages:$$missing (run as root: apt-get install -y$$missing)"; exit 0; fi; \
	echo "installing:$$missing"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

# As root: a 3-host lab registered as nodes, with its packages built. Otherwise just the TUI.
demo: $(BIN)/kctui system-deps
	mkdir -p $(DEMO_DATA)
	@if [ "$$(id -u)" = 0 ]; then \
		$(BIN)/kctui --data-dir $(DEMO_DATA) lab up --nodes 3 --register; \
	else echo "not root: no lab hosts (run make demo as root for them)"; fi
	$(BIN)/kctui --data-dir $(DEMO_DATA)

lint: $(BIN)/kctui
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

layers: $(BIN)/kctui
	$(BIN)/lint-imports

typecheck: $(BIN)/kctui
	$(BIN)/mypy

unit: $(BIN)/kctui
	$(BIN)/pytest

test: system-deps lint layers typecheck unit

# The fault and attack tests, their loops 13 times longer (>= 100 create races for one node,
# >= 100 SIGKILLs of store writers); prints their table.
faults: $(BIN)/kctui system-deps
	KCTUI_FAULTS=13 $(BIN)/pytest -q -p no:cacheprovider tests/security tests/faults \
		tests/unit/test_store_durability.py

# ansible-core lives in its own venv: it is a peer measured by bench/fanout.py, not a dependency.
ANSIBLE_VENV := .venv-ansible

$(ANSIBLE_VENV)/bin/ansible-playbook:
	$(PYTHON) -m venv $(ANSIBLE_VENV)
	$(ANSIBLE_VENV)/bin/pip install --quiet ansible-core

bench: $(BIN)/kctui system-deps $(ANSIBLE_VENV)/bin/ansible-playbook
	ANSIBLE_PLAYBOOK=$(ANSIBLE_VENV)/bin/ansible-playbook $(BIN)/python bench/all.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
