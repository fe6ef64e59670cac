// OpenSSL's libcrypto: SHA-256 and HMAC for file identity and AWS SigV4.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
