#!/bin/sh
# Extract every message (code, templates, command tree) into messages.pot and merge it into each
# language's catalog. Run from the repository root with the project's Python on PATH (or PYTHON=).
set -e
PYTHON=${PYTHON:-python}
"$PYTHON" -m babel.messages.frontend extract -F babel.cfg -k N_ -k count_text:2,3 --no-wrap \
    --sort-by-file --project "Manifesto Bot" -o bot/locale/messages.pot . >/dev/null 2>&1
"$PYTHON" -m cogs.translator bot/locale/messages.pot
for language in es de ru; do
    "$PYTHON" -m babel.messages.frontend update -i bot/locale/messages.pot -d bot/locale \
        -l "$language" --no-wrap --no-fuzzy-matching >/dev/null 2>&1
done
