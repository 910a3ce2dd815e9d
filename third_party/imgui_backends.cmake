# Dear ImGui from Debian's libimgui-dev (1.86), and its GLFW + OpenGL3 backends compiled from
# the sources the package ships under /usr/share/doc. Nothing is copied into the repository.
find_package(OpenGL REQUIRED)
pkg_check_modules(GLFW3 REQUIRED IMPORTED_TARGET glfw3)

find_path(IMGUI_INCLUDE_DIR imgui.h PATH_SUFFIXES imgui REQUIRED)
find_library(IMGUI_LIBRARY NAMES libimgui.a imgui REQUIRED)
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)
find_library(STB_LIBRARY stb REQUIRED)
set(CRAFTSYNC_IMGUI_BACKEND_SOURCES "/usr/share/doc/libimgui-dev/examples/backends"
    CACHE PATH "where libimgui-dev keeps imgui_impl_glfw.cpp and imgui_impl_opengl3.cpp")

# The core library: no window system, no GPU. Widgets, widget tests and benchmarks use this.
add_library(craftsync_imgui INTERFACE)
target_include_directories(craftsync_imgui SYSTEM INTERFACE ${IMGUI_INCLUDE_DIR})
# Debian's libimgui.a leaves stb_truetype and stb_rect_pack to libstb (imgui.pc: Requires: stb).
target_link_libraries(craftsync_imgui INTERFACE ${IMGUI_LIBRARY} ${STB_LIBRARY} m)

# The two backends the console uses, built here from the package's sources.
add_library(craftsync_imgui_glfw_gl3 STATIC
  ${CRAFTSYNC_IMGUI_BACKEND_SOURCES}/imgui_impl_glfw.cpp
  ${CRAFTSYNC_IMGUI_BACKEND_SOURCES}/imgui_impl_opengl3.cpp
)
target_include_directories(craftsync_imgui_glfw_gl3 SYSTEM PUBLIC ${IMGUI_INCLUDE_DIR}/backends)
target_link_libraries(craftsync_imgui_glfw_gl3 PUBLIC craftsync_imgui PkgConfig::GLFW3 OpenGL::GL
                      ${CMAKE_DL_LIBS})
# Upstream code: keep its warnings out of our -Wall -Wextra output.
target_compile_options(craftsync_imgui_glfw_gl3 PRIVATE -w)

# stb_image_write (PNG screenshots) from libstb-dev, which ships the implementation compiled.
add_library(craftsync_stb INTERFACE)
target_include_directories(craftsync_stb SYSTEM INTERFACE ${STB_INCLUDE_DIR})
target_link_libraries(craftsync_stb INTERFACE ${STB_LIBRARY})
