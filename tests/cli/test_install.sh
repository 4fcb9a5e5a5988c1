#!/bin/sh
# `make install` as a user or a packager does it: into a DESTDIR, and to
# another prefix than the configured one. The installed binary, run from a
# directory outside the trees with nothing of the build in its environment,
# lists the installed profiles, parses with one of them, and has its man
# page beside it; nothing of the build tree's path is compiled into it.
#
# Needs $DM_BUILDDIR (the configured build tree) and $DM_SRCDIR; `make
# check` sets both.
set -u
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
if [ -z "${DM_BUILDDIR:-}" ] || [ ! -f "$DM_BUILDDIR/Makefile" ]; then
	echo "no configured build tree: set DM_BUILDDIR (make check does)" >&2
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$DM_SRCDIR/tests/cli/lib.sh"

fixture="$DM_SRCDIR/tests/fixtures/ern43-album.xml"
mkdir "$tmp/elsewhere" "$tmp/home"
cp "$fixture" "$tmp/elsewhere/d.xml"
# a make of its own, not a part of the `make check` that runs this
unset MAKEFLAGS MFLAGS MAKELEVEL
# mkvar NAME: a variable of the build tree's Makefile, fully expanded
mkvar() {
	printf 'print-var:\n\t@echo $(%s)\n' "$1" |
		make -s --no-print-directory -C "$DM_BUILDDIR" -f Makefile -f - print-var 2>/dev/null
}
prefix=$(mkvar prefix)
bindir=$(mkvar bindir)
pkgdatadir=$(mkvar pkgdatadir)
mandir=$(mkvar mandir)
[ -n "$prefix" ] && [ -n "$bindir" ] && [ -n "$pkgdatadir" ] && [ -n "$mandir" ] ||
	{ echo "cannot read the install paths from $DM_BUILDDIR/Makefile" >&2; exit 99; }

# installed DIR BIN DATA MAN: the checks on one installed tree
installed() {
	what=$1 bin=$2 data=$3 man=$4
	[ -x "$bin/ddexmon" ] && ok "$what: the binary is installed" ||
		not_ok "$what: the binary is installed" "no $bin/ddexmon"
	[ -f "$man/man1/ddexmon.1" ] && ok "$what: the man page is installed" ||
		not_ok "$what: the man page is installed" "no $man/man1/ddexmon.1"
	for p in default low-memory large-files throughput demo; do
		[ -f "$data/profiles/$p.profile" ] && ok "$what: profile $p is installed" ||
			not_ok "$what: profile $p is installed" "no $data/profiles/$p.profile"
	done
	# nothing of the build: no DM_* and no profile path in the environment,
	# a fresh HOME, and the current directory outside every tree
	cd "$tmp/elsewhere" || exit 99
	run "$what: ddexmon profiles" 0 env -u DM_SRCDIR -u DM_BUILDDIR -u DM_CORPUS -u DDEXMON \
		-u DDEXMON_PROFILE_PATH -u XDG_CONFIG_HOME HOME="$tmp/home" "$bin/ddexmon" profiles
	for p in default low-memory large-files throughput demo; do
		expect "$what: profiles lists $p" "$tmp/out" "^  $p +[^ ]"
	done
	expect "$what: the profiles come from the installed tree" "$tmp/out" "^$data/profiles\$"
	expect_not "$what: nothing comes from the source tree" "$tmp/out" "^$DM_SRCDIR/profiles"
	run "$what: parse --profile low-memory" 0 env -u DM_SRCDIR -u DM_BUILDDIR -u DM_CORPUS \
		-u DDEXMON -u DDEXMON_PROFILE_PATH -u XDG_CONFIG_HOME HOME="$tmp/home" \
		"$bin/ddexmon" parse --profile low-memory d.xml
	cmp -s "$tmp/out" "${fixture%.xml}.jsonl" && ok "$what: the records are the fixture's" ||
		not_ok "$what: the records are the fixture's" "$(head -c 300 "$tmp/out")"
	run "$what: run --profile low-memory" 0 env -u DDEXMON_PROFILE_PATH HOME="$tmp/home" \
		"$bin/ddexmon" run --no-records --profile low-memory --events - d.xml
	expect "$what: the low-memory budget applies" "$tmp/out" \
		'"event":"start".*"profile":"low-memory".*"max_memory":"32M"'
	cd "$DM_BUILDDIR" || exit 99
}

# 1. DESTDIR: the configured paths under a staging root
if make -s --no-print-directory -C "$DM_BUILDDIR" install DESTDIR="$tmp/dest" >"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR=..."
	installed DESTDIR "$tmp/dest$bindir" "$tmp/dest$pkgdatadir" "$tmp/dest$mandir"
else
	not_ok "make install DESTDIR=..." "$(tail -n 5 "$tmp/install.log")"
fi

# 2. another prefix at install time: the tree finds its own profiles
moved="$tmp/moved"
if make -s --no-print-directory -C "$DM_BUILDDIR" install prefix="$moved" >"$tmp/install.log" 2>&1; then
	ok "make install prefix=..."
	rel_bin=${bindir#"$prefix"}
	rel_data=${pkgdatadir#"$prefix"}
	rel_man=${mandir#"$prefix"}
	installed "prefix $moved" "$moved$rel_bin" "$moved$rel_data" "$moved$rel_man"
	make -s --no-print-directory -C "$DM_BUILDDIR" uninstall prefix="$moved" >"$tmp/install.log" 2>&1
	left=$(find "$moved" -type f | head -n 5)
	same "make uninstall removes every file" "$left" ""
else
	not_ok "make install prefix=..." "$(tail -n 5 "$tmp/install.log")"
fi

# the binary's constant data holds no path of the trees as a directory to
# look in (source file names, as ASan keeps them, are not lookups)
bin="$DM_BUILDDIR/ddexmon"
if command -v objcopy >/dev/null && command -v strings >/dev/null; then
	objcopy -O binary --only-section=.rodata "$bin" "$tmp/rodata" 2>/dev/null
	strings -a "$tmp/rodata" | grep -Fx -e "$DM_SRCDIR" -e "$DM_BUILDDIR" \
		-e "$DM_SRCDIR/profiles" -e "$DM_BUILDDIR/profiles" >"$tmp/paths"
	expect_empty "no build path compiled into the binary" "$tmp/paths"
fi

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
echo "# all $n passed"
