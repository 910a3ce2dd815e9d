# CMake glue for Debian system packages. No source code lives here.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(simdjson REQUIRED)
# Boost.Beast and Asio (header-only) carry the server's HTTP: libboost-dev.
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)

# libpq (Debian libpq-dev), for the server's PostgreSQL backend and its tests.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# xxHash (Debian libxxhash-dev): the record digests that `verify` compares (core/record_digest).
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
