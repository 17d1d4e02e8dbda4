// Certificates made at run time with the OpenSSL API, for TLS tests against loopback servers:
// nothing is checked in, nothing expires between runs.
#pragma once

#include <string>
#include <vector>

namespace agentrace::testing {

struct TestCertificates {
  std::string ca_pem;    // what a client must trust: the test CA (or the certificate itself when self-signed)
  std::string cert_pem;  // the server's certificate
  std::string key_pem;   // the server's private key (EC P-256), PKCS#8 PEM
};

// A server certificate for `names` (each an IP address or a DNS name; all go into the subject
// alternative names, the first is also the CN), valid from an hour ago for 30 days. Signed by a
// fresh CA ("agentrace test CA") unless `self_signed`, when it is its own issuer.
TestCertificates make_test_certificates(const std::vector<std::string>& names = {"127.0.0.1", "localhost"},
                                        bool self_signed = false);

}  // namespace agentrace::testing
