// The AWS KMS provider: Encrypt and Decrypt of the KMS JSON API (POST /, X-Amz-Target
// TrentService.Encrypt|Decrypt, application/x-amz-json-1.1) over HTTPS with AWS Signature V4,
// on libcurl. Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
// region from AWS_REGION or AWS_DEFAULT_REGION; endpoint AWS_ENDPOINT_URL_KMS or
// AWS_ENDPOINT_URL (else https://kms.REGION.amazonaws.com); CA bundle AWS_CA_BUNDLE. A KMS error
// becomes an error that names its type (AccessDeniedException, NotFoundException, ...).
// Thread-safe: each call is its own request.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aegis/kek/kek.h"

namespace aegis {

struct KmsSettings {
  std::string kms_key_id;                       // AEGIS_KMS_KEY_ID: key id, ARN or alias
  std::optional<KekBytes> wrapped_private_key;  // AEGIS_KMS_WRAPPED_PRIVATE_KEY
  std::optional<KekBytes> public_key_bytes;     // AEGIS_MASTER_KEK_PUBLIC
  std::string region;
  std::string endpoint;  // empty: https://kms.REGION.amazonaws.com
  std::string access_key_id;
  std::string secret_access_key;  // secret
  std::string session_token;      // secret; optional
  std::string ca_bundle;          // optional PEM file
  long timeout_ms = 10'000;       // a whole request
};

class AWSKMSKEKProvider : public KEKProvider {
 public:
  static Result<std::unique_ptr<AWSKMSKEKProvider>> create(KmsSettings settings);
  // The key id, blob and public key from AEGIS_KMS_* / AEGIS_MASTER_KEK_PUBLIC; the rest from
  // the AWS variables.
  static Result<std::unique_ptr<AWSKMSKEKProvider>> from_environment();
  // The AWS variables (credentials, region, endpoint, CA bundle) into `settings`.
  static void read_aws_environment(KmsSettings& settings);
  ~AWSKMSKEKProvider() override;

  KekBytes wrap(std::span<const uint8_t> plaintext) override;
  KekBytes unwrap(std::span<const uint8_t> wrapped) override;
  KEKMetadata metadata() const override;
  std::vector<std::string> missing() const override;

 private:
  explicit AWSKMSKEKProvider(KmsSettings settings);
  // One signed call; the parsed JSON answer's text, or an error naming the KMS error type.
  std::string call(const std::string& target, const std::string& body);
  KmsSettings settings_;
};

}  // namespace aegis
