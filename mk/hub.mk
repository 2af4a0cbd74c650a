# The classroom hub's parts that pip does not bring (kept out of the main Makefile); see docs/classroom.md.
#  - JupyterHub's proxy, configurable-http-proxy, from npm: 5.x needs node >= 20; 4.6.3 runs on older node.
#  - the single-user servers' environment: a non-editable install of this project in a venv made from
#    /usr/bin/python3 that every user can read, outside the checkout, under /opt/slicelab-course
#    (scripts/classroom_hub.py prepare; quick when up to date).
HUB := build/hub
PROXY := $(HUB)/proxy/node_modules/.bin/configurable-http-proxy
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
PROXY_VERSION := $(if $(filter-out 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19,$(NODE_MAJOR)),5.3.0,4.6.3)

.PHONY: all server-env
all: $(PROXY) server-env

$(PROXY):
	mkdir -p $(HUB)/proxy
	cd $(HUB)/proxy && npm install --silent --no-audit --no-fund configurable-http-proxy@$(PROXY_VERSION) >/dev/null
	test -x $@

# Only root can make an environment for other users' servers; the hub test needs root anyway.
server-env:
	@if [ "$$(id -u)" != 0 ]; then \
	   echo ">> not root: skipping the classroom hub's server environment (tests/test_hub_classroom.py needs root)"; \
	 else \
	   /usr/bin/python3 -c 'import ensurepip' 2>/dev/null \
	     || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; }; \
	   $(PY) scripts/classroom_hub.py prepare; \
	 fi
