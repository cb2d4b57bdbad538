# Sourced by the scripts that run builds in turns (compare.sh, download.sh, start.sh) once their
# options are read: `source scripts/profile/builds.sh TOOL "$usage" "${builds[@]}"` exits 2
# with a message unless at least one NAME=DIR is given and each DIR holds release products
# (browser-host, render-client). `positive TOOL OPTION VALUE` exits 2 unless VALUE is a
# positive number.
positive() {
    [[ $3 =~ ^[1-9][0-9]*$ ]] || { echo "$1: $2 takes a positive number" >&2; exit 2; }
}
(($# > 2)) || { echo "$1: name at least one build; $2" >&2; exit 2; }
for build in "${@:3}"; do
    for product in browser-host render-client; do
        [ -x "${build#*=}/$product" ] || { echo "$1: ${build#*=}/$product is not an executable" >&2; exit 2; }
    done
done
