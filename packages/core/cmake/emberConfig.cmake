# SPDX-License-Identifier: BSD-3-Clause
# CMake package config for native code built against ember's C ABI:
#   find_package(ember CONFIG REQUIRED)   # with ember_DIR from ember.get_cmake_dir()
#   target_link_libraries(myext PRIVATE ember::abi)
get_filename_component(_ember_root "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(ember_INCLUDE_DIRS "${_ember_root}/include")
if(NOT TARGET ember::abi)
  add_library(ember::abi INTERFACE IMPORTED)
  set_target_properties(ember::abi PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ember_INCLUDE_DIRS}")
endif()
set(ember_FOUND TRUE)
