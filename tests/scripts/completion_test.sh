#!/usr/bin/env bash
# The generated bash and zsh completions of craftsync and craftsync-server: each shell walks
# typed words to the right level and offers its subcommands, options, listed values and files.
# Also: every help screen shows a worked example, and the man pages name every option. Usage: completion_test.sh BUILD_DIR
set -uo pipefail
BIN=$(cd "$1" && pwd)
man_dir=$(cd "$(dirname "$0")/../../docs/man" && pwd)
CLI=$BIN/app/craftsync SERVER=$BIN/server/craftsync-server
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CLI" completion bash >"$work/craftsync.bash" || exit 1
"$CLI" completion zsh >"$work/_craftsync" || exit 1
"$SERVER" completion bash >"$work/craftsync-server.bash" || exit 1
"$SERVER" completion zsh >"$work/_craftsync-server" || exit 1
touch "$work/customers.db"
cd "$work"
failed=0

# bash: the candidates for the last word of a command line (a trailing space: a new word).
bash_candidates() {
  local script=$1 line=$2
  bash -c '
    source "$1"
    read -ra COMP_WORDS <<<"$2"
    [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\).*/\1/p")
    "$fn"
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$script" "$line"
}

# zsh: the same, with compadd and _files standing in for the completion system's builtins
# (they print what they were given; zsh itself then filters by the typed prefix).
zsh_candidates() {
  local script=$1 line=$2
  zsh -f -c '
    compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }
    _files() { print -l -- *(N) }
    compdef() { : }
    source "$1"
    words=(${(z)2})
    [[ $2 == *" " ]] && words+=("")
    CURRENT=${#words}
    PREFIX=${words[CURRENT]}
    fn=_${words[1]}
    $fn | grep -- "^$PREFIX" | sort | tr "\n" " "' _ "$script" "$line"
}

expect() {  # SHELL SCRIPT LINE WANTED...: every wanted word is offered, and no other
  local shell=$1 script=$2 line=$3
  shift 3
  local got want
  got=$("${shell}_candidates" "$script" "$line")
  want=$(printf "%s\n" "$@" | sort | tr "\n" " ")
  if [[ "$got" != "$want" ]]; then
    echo "FAIL $shell '$line': offered [$got], wanted [$want]"
    failed=1
  else
    echo "ok   $shell '$line'"
  fi
}

for sh in bash zsh; do
  # Full paths: zsh runs a file named like its function (_craftsync) as an autoloaded one.
  if [[ $sh == bash ]]; then c=$work/craftsync.bash s=$work/craftsync-server.bash
  else c=$work/_craftsync s=$work/_craftsync-server; fi
  expect $sh $c "craftsync con" conflicts
  expect $sh $c "craftsync conflicts " list resolve
  expect $sh $c "craftsync conflicts resolve --k" --keep
  expect $sh $c "craftsync conflicts resolve 12 --keep " local remote
  expect $sh $c "craftsync sync --direction " both push pull
  expect $sh $c "craftsync --db customers.db sync --p" --policy
  expect $sh $c "craftsync list --state p" pending
  expect $sh $c "craftsync create " customers quotes orders
  expect $sh $c "craftsync create customers "
  expect $sh $c "craftsync --db cust" customers.db
  expect $sh $c "craftsync --json st" status
  expect $sh $c "craftsync completion " bash zsh
  expect $sh $s "craftsync-server keys " add list
  expect $sh $s "craftsync-server keys add --role " read sync admin
  expect $sh $s "craftsync-server --api-key-f" --api-key-file
  expect $sh $s "craftsync-server af" after-restore
done
# Every help screen ends with a worked example: the program's and each subcommand's.
for prog in "$CLI" "$SERVER"; do
  subs=$(sed -n "s/^    \['_'\]='\(.*\)'$/\1/p" <("$prog" completion bash) | head -1)
  for sub in "" $subs; do
    if "$prog" $sub --help | grep -q "^Example"; then echo "ok   example in $(basename "$prog") $sub --help"
    else echo "FAIL no example in $(basename "$prog") $sub --help"; failed=1; fi
  done
done
# Each man page (docs/man/PROGRAM.1.md) names every option and subcommand its --help lists.
for prog in "$CLI" "$SERVER" "$BIN/app/console/craftsync-console"; do
  name=$(basename "$prog")
  subs=$(sed -n "s/^    \['_'\]='\(.*\)'$/\1/p" <("$prog" completion bash 2>/dev/null) | head -1)
  for word in $subs $( (for sub in "" $subs; do "$prog" $sub --help; done) |
    grep -oE -- '(^| )--[a-z][a-z-]+' | tr -d ' ' | sort -u); do
    if grep -qF -- "$word" "$man_dir/$name.1.md"; then echo "ok   $name.1 names $word"
    else echo "FAIL $name.1 does not name $word"; failed=1; fi
  done
done
bash -n craftsync.bash craftsync-server.bash || failed=1
zsh -n _craftsync _craftsync-server || failed=1
exit $failed
