// HTTPS: the server serves TLS from certificate and key files, and a client that verifies
// certificates (the default) trusts it only when given the CA.

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;

namespace {

struct CertFiles {
  std::string cert, key;
};

/// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI as an
/// operator would. Being self-signed, the certificate is also its own CA.
CertFiles make_self_signed(const TempDir& dir, const std::string& name) {
  CertFiles f{dir.file(name + ".crt"), dir.file(name + ".key")};
  int code = -1;
  std::string out = run_program(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f.key, "-out", f.cert, "-days", "2",
       "-subj", "/CN=craftsync-test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
      &code, true);
  INFO(out);
  REQUIRE(code == 0);
  return f;
}

}  // namespace

TEST_CASE("HTTPS: an untrusted certificate is refused, and with its CA the client gets through",
          "[tls]") {
  TempDir dir;
  CertFiles server_cert = make_self_signed(dir, "server");
  CertFiles stranger = make_self_signed(dir, "stranger");
  ServerProcess server(
      server_args({"--tls-cert", server_cert.cert, "--tls-key", server_cert.key, "--quiet"}));
  REQUIRE(server.url().rfind("https://127.0.0.1:", 0) == 0);

  HttpClient default_trust(server.url(), server.admin_key());
  auto refused = default_trust.get("/api/v1/session");
  CHECK(refused.status == 0);
  CHECK(refused.error.find("certificate") != std::string::npos);

  HttpClient wrong_ca(server.url(), server.admin_key());
  wrong_ca.set_ca_file(stranger.cert);
  CHECK(wrong_ca.get("/api/v1/session").status == 0);

  HttpClient trusted(server.url(), server.admin_key());
  trusted.set_ca_file(server_cert.cert);
  auto session = trusted.get("/api/v1/session");
  REQUIRE(session.status == 200);
  CHECK(session.json()["role"] == "admin");
  std::string id = craftsync::new_uuid_v7();
  auto pushed = push(trusted, "dev-tls",
                     json::array({upsert(1, "customers", id, std::nullopt, customer_data("Tls"))}));
  REQUIRE(pushed.status == 200);
  CHECK(pushed.json()["results"][0]["status"] == "applied");
  CHECK(pull_all(trusted).size() == 1);

  HttpClient plain("http://127.0.0.1:" + std::to_string(server.port()), server.admin_key());
  CHECK(plain.get("/api/v1/health").status == 0);
}

TEST_CASE("a TLS key that does not match its certificate stops the server at start", "[tls]") {
  TempDir dir;
  CertFiles a = make_self_signed(dir, "a");
  CertFiles b = make_self_signed(dir, "b");
  int code = 0;
  std::string out = run_server_command({"--db", dir.file("tls.db"), "--listen", "127.0.0.1:0",
                                        "--tls-cert", a.cert, "--tls-key", b.key},
                                       &code, true);
  CHECK(code == 1);
  CHECK(out.find("cannot load TLS certificate or key") != std::string::npos);
  CHECK(out.find("listening") == std::string::npos);
}
