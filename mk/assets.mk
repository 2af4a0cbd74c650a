# Front-end assets the tests need that no Python package ships (kept out of the main Makefile).
# The widget renderer for nbconvert HTML exports, served locally instead of from a CDN.
HTML_MANAGER := build/assets/node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js

all: $(HTML_MANAGER)

$(HTML_MANAGER):
	mkdir -p build/assets
	cd build/assets && npm install --silent --no-audit --no-fund @jupyter-widgets/html-manager@^1.0.15 >/dev/null
	test -f $@
