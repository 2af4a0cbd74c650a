# Front-end assets the tests need that no Python package ships (kept out of the main Makefile).
# The widget renderer for nbconvert HTML exports (and RequireJS, which the renderer's AMD build and
# nbconvert's lab template load), served locally instead of from a CDN.
ASSETS := build/assets
HTML_MANAGER := $(ASSETS)/node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js
REQUIREJS := $(ASSETS)/node_modules/requirejs/require.js

all: $(HTML_MANAGER) $(REQUIREJS)

$(HTML_MANAGER) $(REQUIREJS) &:
	mkdir -p $(ASSETS)
	cd $(ASSETS) && npm install --silent --no-audit --no-fund \
	  @jupyter-widgets/html-manager@^1.0.15 requirejs@^2.3.7 >/dev/null
	test -f $(HTML_MANAGER) && test -f $(REQUIREJS)
