# Helpers that give every Chorus library the same shape: one folder, one library, its tests beside it.

set(CHORUS_WARNINGS -Wall -Wextra -Werror -Wpedantic -Wshadow=local -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # Designated initializers that leave fields at their defaults are an idiom here, not a mistake.
    -Wno-missing-field-initializers)

# chorus_library(NAME name SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the library `chorus_<name>` for one folder under src/. Headers are included as
# "folder/file.h" from src/, so an include names the layer it reaches into.
function(chorus_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(chorus_${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(chorus_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(chorus_${ARG_NAME} PRIVATE ${CHORUS_WARNINGS})
  target_link_libraries(chorus_${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# chorus_test(NAME name SOURCES ... DEPS ... [LABELS ...] [PROPERTIES ...])
# One GoogleTest executable per library; each test case becomes its own CTest entry.
function(chorus_test)
  if(NOT CHORUS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PROPERTIES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${CHORUS_WARNINGS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES TIMEOUT 120 ${ARG_PROPERTIES})
endfunction()
