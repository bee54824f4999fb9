// Prints N requests signed by the KMS provider's SigV4 signer, one JSON line each, at fixed
// times, for tests/kek/sigv4_check.py to sign again with botocore and compare the
// Authorization headers. Regions, hosts (with and without a port), targets, bodies, session
// tokens and times vary with the line number.
// Usage: sigv4_requests N
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sigv4.h"

int main(int argc, char** argv) {
  using namespace aegis::kek;
  const int n = argc > 1 ? std::atoi(argv[1]) : 500;
  const char* regions[] = {"us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1"};
  for (int i = 0; i < n; ++i) {
    const std::string region = regions[i % 4];
    SigV4Request req;
    req.host = i % 3 == 0 ? "127.0.0.1:" + std::to_string(40000 + i) : "kms." + region + ".amazonaws.com";
    req.headers = {{"content-type", "application/x-amz-json-1.1"},
                   {"x-amz-target", i % 2 ? "TrentService.Encrypt" : "TrentService.Decrypt"}};
    std::string blob(static_cast<size_t>(i * 7 % 300), static_cast<char>('A' + i % 26));
    req.body = nlohmann::json{{"KeyId", i % 5 ? "alias/aegis-test" : "arn:aws:kms:" + region +
                                                                        ":111122223333:key/k" +
                                                                        std::to_string(i)},
                              {"Plaintext", blob + "=="}}
                   .dump();
    SigV4Credentials creds{"AKIDEXAMPLE" + std::to_string(i % 7),
                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCY" + std::to_string(i), ""};
    if (i % 4 == 1) creds.session_token = "FQoGZXIvYXdzE" + std::string(static_cast<size_t>(i % 50), 'x') + "/+=";
    const auto t = std::chrono::system_clock::from_time_t(1700000000 + static_cast<std::time_t>(i) * 86413);
    const std::string auth = sigv4_sign(req, creds, region, "kms", t);
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [k, v] : req.headers) headers[k] = v;
    const nlohmann::json line = {
        {"method", req.method}, {"host", req.host}, {"path", req.path}, {"query", req.query},
        {"headers", headers}, {"body", req.body}, {"amz_date", amz_date(t)}, {"region", region},
        {"service", "kms"}, {"access_key", creds.access_key}, {"secret_key", creds.secret_key},
        {"token", creds.session_token.empty() ? nlohmann::json() : nlohmann::json(creds.session_token)},
        {"authorization", auth}};
    std::puts(line.dump().c_str());
  }
  return 0;
}
