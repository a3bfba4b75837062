# Sourced by the tests/*/run.sh scripts once ROOT (the checkout) is set: MCP_BUILD, the folder the
# binaries are in ($BUILD, default build; relative to ROOT unless absolute), exported for the tests.
BUILD=${BUILD:-build}
case $BUILD in
/*) MCP_BUILD=$BUILD ;;
*) MCP_BUILD=$ROOT/$BUILD ;;
esac
export MCP_BUILD
