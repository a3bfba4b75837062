/* SHA-256 (FIPS 180-4 examples), HMAC-SHA256 (RFC 4231 test cases) and the constant-time
 * comparison through libmcp/base/crypto.c (OpenSSL 3 libcrypto, loaded on first use). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static void check_sha(const char *msg, size_t len, const char *want)
{
    mcp__sha256 s;
    unsigned char d[32];
    char h[65];
    assert_int_equal(mcp__sha256_init(&s), MCP_OK);
    mcp__sha256_update(&s, msg, len);
    assert_int_equal(mcp__sha256_final(&s, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void test_sha256(void **state)
{
    char *million;
    mcp__sha256 s;
    unsigned char d[32];
    char h[65];
    size_t i;
    (void)state;
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in odd-sized pieces */
    million = malloc(1000000);
    memset(million, 'a', 1000000);
    assert_int_equal(mcp__sha256_init(&s), MCP_OK);
    for (i = 0; i < 1000000; i += 997)
        mcp__sha256_update(&s, million + i, 1000000 - i < 997 ? 1000000 - i : 997);
    assert_int_equal(mcp__sha256_final(&s, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void check_hmac(const void *key, size_t klen, const void *data, size_t dlen,
                       const char *want)
{
    unsigned char d[32];
    char h[65];
    assert_int_equal(mcp__hmac_sha256(key, klen, data, dlen, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void test_hmac_rfc4231(void **state)
{
    unsigned char key[131], data[50];
    (void)state;
    memset(key, 0x0b, 20);
    check_hmac(key, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    check_hmac(key, 20, data, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    memset(key, 0xaa, 131); /* a key longer than the block size is hashed first */
    check_hmac(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_equal(void **state)
{
    unsigned char a[32] = {1}, b[32] = {1};
    (void)state;
    assert_true(mcp__crypto_equal(a, b, 32));
    b[31] = 2;
    assert_false(mcp__crypto_equal(a, b, 32));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_equal),
    };
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
