// The PKCS#11 provider. Raw bytes are wrapped the way PKCS#11 wraps keys: they become a
// temporary session object (a generic secret, never on the token), C_WrapKey wraps it under the
// wrapping key, and the object is destroyed; unwrapping is C_UnwrapKey into such an object and
// reading its value.
#include "aegis/kek/hsm.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "aegis/crypto/encoding.h"
#include "aegis/kek/errors.h"

namespace aegis {
namespace {

#ifndef CKM_AES_KEY_WRAP_KWP
constexpr CK_MECHANISM_TYPE CKM_AES_KEY_WRAP_KWP = 0x210B;
#endif

[[noreturn]] void fail(const ErrorCode& code, std::string message) {
  throw_error(Error(code, "", std::move(message)));
}

std::string rv_name(CK_RV rv) {
  static const std::map<CK_RV, const char*> kNames = {
      {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
      {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
      {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
      {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
      {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
      {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
      {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
      {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
      {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
      {CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE"},
      {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
      {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
      {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
      {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
      {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
      {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
      {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
      {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
      {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
      {CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID"},
      {CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE"},
      {CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID"},
      {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
      {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
      {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
  };
  char hex[24];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(rv));
  const auto it = kNames.find(rv);
  return it == kNames.end() ? std::string(hex) : std::string(it->second) + " (" + hex + ")";
}

// One loaded PKCS#11 module, initialised once per process however many providers use it.
struct Library {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  bool initialized_here = false;
  ~Library() {
    if (initialized_here) f->C_Finalize(nullptr);
    if (handle) dlclose(handle);
  }
};

std::shared_ptr<Library> open_library(const std::string& path) {
  static std::mutex lock;
  static std::map<std::string, std::weak_ptr<Library>> open;
  std::lock_guard<std::mutex> g(lock);
  if (auto lib = open[path].lock()) return lib;
  auto lib = std::make_shared<Library>();
  lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char* why = dlerror();
    fail(errors::kKekHsmLibrary,
         "cannot load the PKCS#11 library " + path + ": " + (why ? why : "?"));
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib->handle, "C_GetFunctionList"));
  if (!get || get(&lib->f) != CKR_OK || !lib->f)
    fail(errors::kKekHsmLibrary, path + " is not a PKCS#11 library (no C_GetFunctionList)");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = lib->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
    fail(errors::kKekHsmInitialize, "C_Initialize of " + path + " failed: " + rv_name(rv));
  lib->initialized_here = rv == CKR_OK;
  open[path] = lib;
  return lib;
}

std::string label_of(const CK_UTF8CHAR (&label)[32]) {
  std::string s(reinterpret_cast<const char*>(label), 32);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

const char* mechanism_name(CK_MECHANISM_TYPE m) {
  return m == CKM_AES_KEY_WRAP_KWP ? "CKM_AES_KEY_WRAP_KWP (0x210B)"
                                   : "CKM_AES_KEY_WRAP_PAD (0x210A)";
}

}  // namespace

struct HSMKEKProvider::Token {
  std::shared_ptr<Library> lib;
  CK_SLOT_ID slot = 0;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_MECHANISM_TYPE mechanism = CKM_AES_KEY_WRAP_KWP;
  std::mutex lock;
  std::condition_variable freed;
  std::vector<CK_SESSION_HANDLE> idle, all;

  ~Token() {
    for (CK_SESSION_HANDLE s : all) lib->f->C_CloseSession(s);
  }

  // A session for the caller's use, back in the pool when the lease ends.
  class Lease {
   public:
    explicit Lease(Token& t) : t_(t) {
      std::unique_lock<std::mutex> g(t_.lock);
      t_.freed.wait(g, [this] { return !t_.idle.empty(); });
      s_ = t_.idle.back();
      t_.idle.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard<std::mutex> g(t_.lock);
        t_.idle.push_back(s_);
      }
      t_.freed.notify_one();
    }
    CK_SESSION_HANDLE get() const { return s_; }

   private:
    Token& t_;
    CK_SESSION_HANDLE s_;
  };
};

Result<std::unique_ptr<HSMKEKProvider>> HSMKEKProvider::create(HsmSettings settings) {
  std::unique_ptr<HSMKEKProvider> p(new HSMKEKProvider(std::move(settings)));
  if (p->settings_.public_key_bytes) {
    auto pk = parse_public_key(*p->settings_.public_key_bytes, "public_key_bytes");
    if (!pk) return pk.error();
    p->public_key_ = pk.value();
  }
  if (p->settings_.pool_size == 0)
    return Error(errors::kKekHsmPoolSize, "pool_size", "pool_size must be at least 1");
  return p;
}

HSMKEKProvider::HSMKEKProvider(HsmSettings settings) : settings_(std::move(settings)) {
  if (settings_.wrapped_private_key) wrapped_private_key_ = *settings_.wrapped_private_key;
  wrapped_private_key_source_ = "AEGIS_HSM_WRAPPED_PRIVATE_KEY";
}

Result<std::unique_ptr<HSMKEKProvider>> HSMKEKProvider::from_environment() {
  HsmSettings s;
  auto text = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  s.pkcs11_lib = text("AEGIS_HSM_PKCS11_LIB");
  s.token_label = text("AEGIS_HSM_TOKEN_LABEL");
  s.pin = text("AEGIS_HSM_PIN");
  s.wrapping_key_label = text("AEGIS_HSM_WRAPPING_KEY_LABEL");
  for (auto [name, into] : {std::pair{"AEGIS_HSM_WRAPPED_PRIVATE_KEY", &s.wrapped_private_key},
                            std::pair{"AEGIS_MASTER_KEK_PUBLIC", &s.public_key_bytes}}) {
    const std::string v = text(name);
    if (v.empty()) continue;
    auto b = crypto::from_base64(v);
    if (!b)
      return Error(errors::kKekEnvironment, name,
                   std::string(name) + " is not base64 (RFC 4648, padded)");
    *into = std::move(*b);
  }
  auto p = create(std::move(s));
  OPENSSL_cleanse(s.pin.data(), s.pin.capacity());  // what a move may leave behind
  return p;
}

HSMKEKProvider::~HSMKEKProvider() {
  token_.reset();
  OPENSSL_cleanse(settings_.pin.data(), settings_.pin.capacity());
}

std::vector<std::string> HSMKEKProvider::missing() const {
  std::vector<std::string> m;
  if (settings_.pkcs11_lib.empty()) m.push_back("AEGIS_HSM_PKCS11_LIB");
  if (settings_.token_label.empty()) m.push_back("AEGIS_HSM_TOKEN_LABEL");
  if (settings_.pin.empty()) m.push_back("AEGIS_HSM_PIN");
  if (settings_.wrapping_key_label.empty()) m.push_back("AEGIS_HSM_WRAPPING_KEY_LABEL");
  return m;
}

KEKMetadata HSMKEKProvider::metadata() const {
  const CK_MECHANISM_TYPE m = mechanism_.load();
  return {"hsm", settings_.token_label + "/" + settings_.wrapping_key_label,
          m ? mechanism_name(m) : "CKM_AES_KEY_WRAP_KWP or _PAD (RFC 5649)"};
}

namespace {

// The slot whose token is labelled settings.token_label.
CK_SLOT_ID find_slot(CK_FUNCTION_LIST_PTR f, const HsmSettings& settings) {
  CK_ULONG count = 0;
  if (CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK)
    fail(errors::kKekHsmToken, "C_GetSlotList failed: " + rv_name(rv));
  std::vector<CK_SLOT_ID> slots(count);
  if (count && f->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK)
    fail(errors::kKekHsmToken, "C_GetSlotList failed");
  std::string seen;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    if (f->C_GetTokenInfo(s, &info) != CKR_OK) continue;
    const std::string label = label_of(info.label);
    if (label == settings.token_label) return s;
    seen += (seen.empty() ? "" : ", ") + ("\"" + label + "\"");
  }
  fail(errors::kKekHsmToken, "no token labelled \"" + settings.token_label + "\" in " +
                                 settings.pkcs11_lib +
                                 " (tokens: " + (seen.empty() ? "none" : seen) + ")");
}

// The wrap mechanism of the token in `slot`: KWP when listed, else PAD.
CK_MECHANISM_TYPE choose_mechanism(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID slot,
                                   const std::string& token_label) {
  CK_ULONG nmech = 0;
  f->C_GetMechanismList(slot, nullptr, &nmech);
  std::vector<CK_MECHANISM_TYPE> mechs(nmech);
  if (nmech) f->C_GetMechanismList(slot, mechs.data(), &nmech);
  auto listed = [&](CK_MECHANISM_TYPE m) {
    return std::find(mechs.begin(), mechs.end(), m) != mechs.end();
  };
  if (listed(CKM_AES_KEY_WRAP_KWP)) return CKM_AES_KEY_WRAP_KWP;
  if (listed(CKM_AES_KEY_WRAP_PAD)) return CKM_AES_KEY_WRAP_PAD;
  fail(errors::kKekHsmMechanism, "token \"" + token_label +
                                     "\" offers neither CKM_AES_KEY_WRAP_KWP (0x210B) nor "
                                     "CKM_AES_KEY_WRAP_PAD (0x210A)");
}

// Opens `pool_size` sessions on t.slot into the pool (t closes them, even on a later failure).
void open_sessions(HSMKEKProvider::Token& t, size_t pool_size) {
  CK_FUNCTION_LIST_PTR f = t.lib->f;
  for (size_t i = 0; i < pool_size; ++i) {
    CK_SESSION_HANDLE s;
    if (CK_RV rv =
            f->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
        rv != CKR_OK)
      fail(errors::kKekHsmSession, "C_OpenSession failed: " + rv_name(rv));
    t.all.push_back(s);
    t.idle.push_back(s);
  }
}

// Logs the user in on `session`; the login holds for every session of this application. The
// error names the token, never the PIN.
void log_in(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session, HsmSettings& settings) {
  CK_RV rv = f->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(settings.pin.data()),
                        static_cast<CK_ULONG>(settings.pin.size()));
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
    fail(errors::kKekHsmLogin, "token \"" + settings.token_label +
                                   "\" refused the login: " + rv_name(rv) +
                                   (rv == CKR_PIN_INCORRECT ? " — the PIN is wrong" : ""));
}

// The secret key labelled settings.wrapping_key_label, found through `session`.
CK_OBJECT_HANDLE find_wrapping_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session,
                                   HsmSettings& settings) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_ATTRIBUTE find[] = {
      {CKA_CLASS, &cls, sizeof cls},
      {CKA_LABEL, settings.wrapping_key_label.data(), settings.wrapping_key_label.size()}};
  CK_ULONG n = 0;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  if (f->C_FindObjectsInit(session, find, 2) != CKR_OK ||
      f->C_FindObjects(session, &key, 1, &n) != CKR_OK)
    fail(errors::kKekHsmKey, "cannot search token \"" + settings.token_label + "\" for keys");
  f->C_FindObjectsFinal(session);
  if (n == 0)
    fail(errors::kKekHsmKey, "no secret key labelled \"" + settings.wrapping_key_label +
                                 "\" on token \"" + settings.token_label + "\"");
  return key;
}

}  // namespace

HSMKEKProvider::Token& HSMKEKProvider::token() {
  static std::mutex opening;
  std::lock_guard<std::mutex> g(opening);
  if (token_) return *token_;
  if (const auto m = missing(); !m.empty()) throw_error(kek_not_configured("hsm", m));
  auto t = std::make_unique<Token>();
  t->lib = open_library(settings_.pkcs11_lib);
  CK_FUNCTION_LIST_PTR f = t->lib->f;
  t->slot = find_slot(f, settings_);
  t->mechanism = choose_mechanism(f, t->slot, settings_.token_label);
  open_sessions(*t, settings_.pool_size);
  log_in(f, t->all[0], settings_);
  t->key = find_wrapping_key(f, t->all[0], settings_);
  mechanism_ = t->mechanism;
  token_ = std::move(t);
  return *token_;
}

namespace {

// The template of the session object that carries the bytes through the token: a generic secret
// that never reaches the token's storage and can be read back (the bytes to wrap when `value` is
// given, the result of an unwrap otherwise). Points into itself: not copyable.
struct SecretTemplate {
  explicit SecretTemplate(std::span<const uint8_t> value = {}) {
    if (!value.empty())
      attrs[count++] = {CKA_VALUE, const_cast<uint8_t*>(value.data()), value.size()};
  }
  SecretTemplate(const SecretTemplate&) = delete;
  SecretTemplate& operator=(const SecretTemplate&) = delete;

  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_GENERIC_SECRET;
  CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
  CK_ATTRIBUTE attrs[6] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_KEY_TYPE, &type, sizeof type},
                           {CKA_TOKEN, &no, sizeof no},
                           {CKA_SENSITIVE, &no, sizeof no},
                           {CKA_EXTRACTABLE, &yes, sizeof yes}};
  CK_ULONG count = 5;
};

}  // namespace

KekBytes HSMKEKProvider::wrap(std::span<const uint8_t> plaintext) {
  Token& t = token();
  if (plaintext.empty()) fail(errors::kKekEmpty, "there is nothing to wrap (0 bytes)");
  if (t.mechanism == CKM_AES_KEY_WRAP_PAD && plaintext.size() % 8 != 0)
    fail(errors::kKekHsmLength,
         "with CKM_AES_KEY_WRAP_PAD (0x210A) this token zero-pads its input, so only multiples "
         "of 8 bytes can be wrapped and unwrapped exactly; got " +
             std::to_string(plaintext.size()) + " bytes");
  CK_FUNCTION_LIST_PTR f = t.lib->f;
  Token::Lease session(t);
  SecretTemplate object(plaintext);
  CK_OBJECT_HANDLE h;
  if (CK_RV rv = f->C_CreateObject(session.get(), object.attrs, object.count, &h); rv != CKR_OK)
    fail(errors::kKekHsmWrap, "the token could not hold the bytes to wrap: " + rv_name(rv));
  CK_MECHANISM mech{t.mechanism, nullptr, 0};
  CK_ULONG len = 0;
  CK_RV rv = f->C_WrapKey(session.get(), &mech, t.key, h, nullptr, &len);
  KekBytes out(len);
  if (rv == CKR_OK) rv = f->C_WrapKey(session.get(), &mech, t.key, h, out.data(), &len);
  f->C_DestroyObject(session.get(), h);
  if (rv != CKR_OK) fail(errors::kKekHsmWrap, "C_WrapKey failed: " + rv_name(rv));
  out.resize(len);
  return out;
}

KekBytes HSMKEKProvider::unwrap(std::span<const uint8_t> wrapped) {
  Token& t = token();
  CK_FUNCTION_LIST_PTR f = t.lib->f;
  Token::Lease session(t);
  SecretTemplate object;
  CK_MECHANISM mech{t.mechanism, nullptr, 0};
  CK_OBJECT_HANDLE h;
  CK_RV rv = f->C_UnwrapKey(session.get(), &mech, t.key, const_cast<uint8_t*>(wrapped.data()),
                            static_cast<CK_ULONG>(wrapped.size()), object.attrs, object.count, &h);
  if (rv != CKR_OK)
    fail(errors::kKekUnwrapFailed, "the token could not unwrap the blob under \"" +
                                       settings_.wrapping_key_label + "\": " + rv_name(rv));
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  rv = f->C_GetAttributeValue(session.get(), h, &value, 1);
  KekBytes out(value.ulValueLen);
  value.pValue = out.data();
  if (rv == CKR_OK) rv = f->C_GetAttributeValue(session.get(), h, &value, 1);
  f->C_DestroyObject(session.get(), h);
  if (rv != CKR_OK) {
    OPENSSL_cleanse(out.data(), out.size());
    fail(errors::kKekHsmUnwrap, "cannot read the unwrapped bytes: " + rv_name(rv));
  }
  return out;
}

}  // namespace aegis
