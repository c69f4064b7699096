# The installed library and CMake package (README "Installing"; tests/install checks both).
# libtpusim.so holds the pure layers, those that do not link SystemC: a program that links it
# loads, maps and times workloads in process; the SystemC model runs in the tpusim binary, which
# elaborates once per process (as sweeps and the Python package use it).
include(CMakePackageConfigHelpers)
set(tpusim_library_layers tpusim_base tpusim_spec tpusim_importers_onnx tpusim_importers tpusim_isa tpusim_dataflow
    tpusim_matrix_timing tpusim_cycle_model tpusim_compat_scalesim tpusim_mapper tpusim_interconnect tpusim_dram
    tpusim_compare)
# The layers' object files, all of them (their archives stay as they are for the binary); the
# libraries they use are linked privately, their include roots given to library.cpp.
set(tpusim_library_objects)
set(tpusim_library_roots)
foreach(layer ${tpusim_library_layers})
  list(APPEND tpusim_library_objects $<TARGET_OBJECTS:${layer}>)
  list(APPEND tpusim_library_roots $<TARGET_PROPERTY:${layer},INTERFACE_INCLUDE_DIRECTORIES>)
endforeach()
add_library(tpusim_library SHARED cmake/package/library.cpp ${tpusim_library_objects})
target_link_libraries(tpusim_library PRIVATE onnx onnx_proto protobuf::libprotobuf fmt::fmt
  PUBLIC nlohmann_json::nlohmann_json)
target_include_directories(tpusim_library PRIVATE cmake/package ${tpusim_library_roots}
  INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/tpusim>)
set_target_properties(tpusim_library PROPERTIES OUTPUT_NAME tpusim EXPORT_NAME tpusim
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
set_target_properties(tpusim PROPERTIES EXPORT_NAME cli)
install(TARGETS tpusim_library tpusim EXPORT tpusimTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The headers of the layers in the library, shaped like the repository (#include "sim/spec/...").
foreach(layer ${tpusim_library_layers})
  get_target_property(folder ${layer} TPUSIM_FOLDER)
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.h)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tpusim/${folder})
endforeach()
install(FILES cmake/package/tpusim.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tpusim)

set(tpusim_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tpusim)
set(TPUSIM_PACKAGE_DATA_DIR ${CMAKE_INSTALL_DATADIR}/tpusim)
install(EXPORT tpusimTargets NAMESPACE tpusim:: DESTINATION ${tpusim_cmake_dir})
configure_package_config_file(cmake/package/tpusimConfig.cmake.in ${CMAKE_BINARY_DIR}/package/tpusimConfig.cmake
  INSTALL_DESTINATION ${tpusim_cmake_dir} PATH_VARS TPUSIM_PACKAGE_DATA_DIR TPUSIM_PYTHON_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/package/tpusimConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/package/tpusimConfig.cmake ${CMAKE_BINARY_DIR}/package/tpusimConfigVersion.cmake
  DESTINATION ${tpusim_cmake_dir})
