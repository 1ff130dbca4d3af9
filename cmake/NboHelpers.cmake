# Small helpers in the spirit of Abseil's CMake/AbseilHelpers.cmake: every
# library and test is declared with its sources listed and its dependencies
# explicit, so that the dependency graph in DESIGN.md stays visible here.

set(NBO_COMMON_WARNINGS -Wall -Wextra -Werror=unused-result -Werror=return-type)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND NBO_COMMON_WARNINGS -Wthread-safety -Werror=thread-safety)
endif()

# nbo_cc_library(NAME store HDRS ... SRCS ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
# Declares nbo_<NAME> with alias nbo::<NAME>. Header-only when SRCS is empty.
function(nbo_cc_library)
  cmake_parse_arguments(NBO "" "NAME" "HDRS;SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target nbo_${NBO_NAME})
  if(NBO_SRCS)
    add_library(${target} STATIC ${NBO_SRCS} ${NBO_HDRS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC ${NBO_PUBLIC_DEPS} PRIVATE ${NBO_PRIVATE_DEPS})
    target_compile_options(${target} PRIVATE ${NBO_COMMON_WARNINGS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${NBO_PUBLIC_DEPS})
  endif()
  add_library(nbo::${NBO_NAME} ALIAS ${target})
endfunction()

# nbo_cc_test(NAME store_test SRCS ... DEPS ... [LABELS heavy])
# A GoogleTest binary registered with CTest. Label "heavy" keeps it out of the
# default run (tools/test.sh --heavy adds it).
function(nbo_cc_test)
  cmake_parse_arguments(NBO "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT NBO_BUILD_TESTS)
    return()
  endif()
  add_executable(${NBO_NAME} ${NBO_SRCS})
  target_link_libraries(${NBO_NAME} PRIVATE ${NBO_DEPS} nbo::testing GTest::gmock GTest::gtest_main)
  target_compile_options(${NBO_NAME} PRIVATE ${NBO_COMMON_WARNINGS})
  add_test(NAME ${NBO_NAME} COMMAND ${NBO_NAME})
  set(labels unit)
  if(NBO_LABELS)
    set(labels ${NBO_LABELS})
  endif()
  if(NOT NBO_TIMEOUT)
    set(NBO_TIMEOUT 300)
  endif()
  set_tests_properties(${NBO_NAME} PROPERTIES LABELS "${labels}" TIMEOUT ${NBO_TIMEOUT})
endfunction()

# nbo_proto_library(NAME api PROTOS a.proto b.proto IMPORT_DIRS ... [GRPC])
# Runs protoc on PROTOS (paths relative to the first IMPORT_DIR) into the
# build tree: nbo::<NAME> holds the messages. With GRPC, grpc_cpp_plugin's
# service code goes into a separate nbo::<NAME>_grpc, so that libraries that
# only use the messages (lib/serving) never link gRPC.
function(nbo_proto_library)
  cmake_parse_arguments(NBO "GRPC" "NAME" "PROTOS;IMPORT_DIRS;DEPS" ${ARGN})
  set(gen_dir ${PROJECT_BINARY_DIR}/gen)
  list(GET NBO_IMPORT_DIRS 0 root)
  set(srcs)
  set(grpc_srcs)
  set(include_flags)
  foreach(dir ${NBO_IMPORT_DIRS})
    list(APPEND include_flags -I${dir})
  endforeach()
  foreach(proto ${NBO_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(outs ${gen_dir}/${base}.pb.cc ${gen_dir}/${base}.pb.h)
    set(args --cpp_out=${gen_dir})
    if(NBO_GRPC)
      list(APPEND outs ${gen_dir}/${base}.grpc.pb.cc ${gen_dir}/${base}.grpc.pb.h)
      list(APPEND args --grpc_out=${gen_dir} --plugin=protoc-gen-grpc=${NBO_GRPC_CPP_PLUGIN})
      list(APPEND grpc_srcs ${gen_dir}/${base}.grpc.pb.cc)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${gen_dir}
      COMMAND protobuf::protoc ${include_flags} ${args} ${root}/${proto}
      DEPENDS ${root}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND srcs ${gen_dir}/${base}.pb.cc)
  endforeach()
  add_library(nbo_${NBO_NAME} STATIC ${srcs})
  target_include_directories(nbo_${NBO_NAME} PUBLIC ${gen_dir})
  target_link_libraries(nbo_${NBO_NAME} PUBLIC protobuf::libprotobuf ${NBO_DEPS})
  add_library(nbo::${NBO_NAME} ALIAS nbo_${NBO_NAME})
  if(NBO_GRPC)
    add_library(nbo_${NBO_NAME}_grpc STATIC ${grpc_srcs})
    target_link_libraries(nbo_${NBO_NAME}_grpc PUBLIC nbo::${NBO_NAME} gRPC::grpc++)
    add_library(nbo::${NBO_NAME}_grpc ALIAS nbo_${NBO_NAME}_grpc)
  endif()
endfunction()
