# Sourced by the scripts that run builds in turns (compare.sh, download.sh, split.sh, start.sh,
# wakeups.sh) once their options' defaults are set:
#   source scripts/profile/builds.sh TOOL "$usage" OPTION... -- "$@"
# reads each `--OPTION N` of the command line into $OPTION and each NAME=DIR into $builds, and
# exits 2 with a message on any other argument, on an option whose value is not a positive
# number, and unless at least one NAME=DIR is given and each DIR holds release products
# (browser-host, render-client). Stricter bounds stay with the script.
builds_tool=$1 builds_usage=$2
shift 2
builds_options=" "
while [ "$1" != -- ]; do builds_options+="$1 "; shift; done
shift
builds=()
while [ $# -gt 0 ]; do
    case "$1" in
        --*)
            [[ $builds_options == *" ${1#--} "* ]] || { echo "$builds_tool: unknown argument '$1'; $builds_usage" >&2; exit 2; }
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "$builds_tool: $1 takes a positive number" >&2; exit 2; }
            printf -v "${1#--}" '%s' "$2"
            shift
            ;;
        *=*) builds+=("$1") ;;
        *) echo "$builds_tool: unknown argument '$1'; $builds_usage" >&2; exit 2 ;;
    esac
    shift
done
((${#builds[@]} > 0)) || { echo "$builds_tool: name at least one build; $builds_usage" >&2; exit 2; }
for build in "${builds[@]}"; do
    for product in browser-host render-client; do
        [ -x "${build#*=}/$product" ] || { echo "$builds_tool: ${build#*=}/$product is not an executable" >&2; exit 2; }
    done
done
