# Use ccache when it is installed: a rebuild after a branch switch or a clean clone with a warm cache
# costs seconds instead of minutes on a 2-core machine.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
