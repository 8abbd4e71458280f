// MD5 and SHA-256 from the system's libcrypto (Debian libssl-dev) instead of building BoringSSL with swift-crypto.
#include <openssl/evp.h>
