/* common/ipnet.c: network parsing and matching, and which address of an
 * X-Forwarded-For chain is the client's. */
#include "common/ipnet.h"
#include "tests/test.h"

static ipnet net(const char *text) {
    ipnet n;
    ASSERT(ipnet_parse(text, strlen(text), &n) == 0);
    return n;
}

/* The canonical text of a parsed network. */
static const char *canon(const char *text) {
    static char buf[64];
    ipnet n = net(text);
    ipnet_format(&n, buf, sizeof buf);
    return buf;
}

static int parses(const char *text) {
    ipnet n;
    return ipnet_parse(text, strlen(text), &n) == 0;
}

static void test_parse(void) {
    ipnet n = net("10.1.2.3");
    ASSERT_EQ(n.family, 4);
    ASSERT_EQ(n.prefix, 32);
    ASSERT_MEM_EQ(n.addr, "\x0a\x01\x02\x03", 4);
    n = net("10.0.0.0/8");
    ASSERT_EQ(n.prefix, 8);
    n = net("2001:db8::/32");
    ASSERT_EQ(n.family, 6);
    ASSERT_EQ(n.prefix, 32);
    ASSERT_MEM_EQ(n.addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);

    ASSERT_STR_EQ(canon("192.168.0.0/16"), "192.168.0.0/16");
    ASSERT_STR_EQ(canon("0.0.0.0/0"), "0.0.0.0/0");
    ASSERT_STR_EQ(canon("10.0.0.1/32"), "10.0.0.1");
    ASSERT_STR_EQ(canon("2001:0DB8:0:0::1"), "2001:db8::1");
    ASSERT_STR_EQ(canon("[2001:db8::1]"), "2001:db8::1");
    ASSERT_STR_EQ(canon("::/0"), "::/0");
    ASSERT_STR_EQ(canon("fd00::/8"), "fd00::/8");
    ASSERT_STR_EQ(canon("172.16.0.0/12"), "172.16.0.0/12");
    /* IPv4-mapped: the IPv4 address, and the prefix follows. */
    ASSERT_STR_EQ(canon("::ffff:10.0.0.5"), "10.0.0.5");
    ASSERT_STR_EQ(canon("::ffff:10.0.0.0/104"), "10.0.0.0/8");
    ASSERT_STR_EQ(canon("::ffff:0:0/96"), "0.0.0.0/0");
    ASSERT(!parses("::ffff:0:0/80")); /* the ffff after bit 80 */
    ASSERT_STR_EQ(canon("::/80"), "::/80");

    /* Host bits after the prefix: a typo, refused. */
    ASSERT(!parses("10.0.0.5/8"));
    ASSERT(!parses("172.16.0.0/11"));
    ASSERT(!parses("2001:db8::1/64"));
    ASSERT(parses("172.16.0.0/12"));
    ASSERT(!parses("10.0.0.0/33"));
    ASSERT(!parses("2001:db8::/129"));
    ASSERT(!parses("10.0.0.0/"));
    ASSERT(!parses("10.0.0.0/-1"));
    ASSERT(!parses("10.0.0.0/8/8"));
    ASSERT(!parses("10.0.0.0/ 8"));
    ASSERT(!parses("[2001:db8::]/32"));
    ASSERT(!parses("[10.0.0.1]"));
    ASSERT(!parses("10.0.0.1:80")); /* ports only in X-Forwarded-For */
    ASSERT(!parses("[::1]:80"));
    ASSERT(!parses(""));
    ASSERT(!parses("localhost"));
    ASSERT(!parses("10.0.0"));
    ASSERT(!parses("10.0.0.256"));
    ASSERT(!parses("010.0.0.1"));
    ASSERT(!parses(" 10.0.0.1"));
    ASSERT(!parses("10.0.0.1 "));
    ASSERT(!parses("1:2:3:4:5:6:7:8:9"));
    ASSERT(!parses("[::1"));
    /* len bounds the text; a NUL inside it is not an end. */
    ipnet x;
    ASSERT_EQ(ipnet_parse("10.0.0.1junk", 8, &x), 0);
    ASSERT_STR_EQ(canon("10.0.0.1"), "10.0.0.1");
    ASSERT_EQ(ipnet_parse("10.0.0.1\0x", 10, &x), -1);
    ASSERT_EQ(ipnet_parse("10.0.0.1", 0, &x), -1);
}

static void test_contains(void) {
    ipnet a = net("10.20.30.40"), b = net("11.0.0.1"), c = net("2001:db8::7");
    ipnet n8 = net("10.0.0.0/8"), n0 = net("0.0.0.0/0"), host = net("10.20.30.40");
    ipnet n6 = net("2001:db8::/32"), n6all = net("::/0");
    ASSERT(ipnet_contains(&n8, &a));
    ASSERT(!ipnet_contains(&n8, &b));
    ASSERT(ipnet_contains(&n0, &b));
    ASSERT(ipnet_contains(&host, &a));
    ASSERT(!ipnet_contains(&host, &b));
    ASSERT(ipnet_contains(&n6, &c));
    ASSERT(!ipnet_contains(&n6, &a)); /* families never mix */
    ASSERT(!ipnet_contains(&n0, &c));
    ASSERT(ipnet_contains(&n6all, &c));
    ASSERT(!ipnet_contains(&n6all, &a));
    /* A prefix that is not a whole number of bytes. */
    ipnet n12 = net("172.16.0.0/12"), in = net("172.31.255.255"), out = net("172.32.0.0");
    ASSERT(ipnet_contains(&n12, &in));
    ASSERT(!ipnet_contains(&n12, &out));
    ipnet n1 = net("128.0.0.0/1"), hi = net("200.1.1.1"), lo = net("100.1.1.1");
    ASSERT(ipnet_contains(&n1, &hi));
    ASSERT(!ipnet_contains(&n1, &lo));
    /* A mapped peer matches an IPv4 rule. */
    ipnet mapped = net("::ffff:10.1.1.1");
    ASSERT(ipnet_contains(&n8, &mapped));

    ipnet list[2] = {net("192.168.1.0/24"), net("2001:db8::/32")};
    ASSERT(ipnet_list_contains(list, 2, &c));
    ASSERT(!ipnet_list_contains(list, 2, &a));
    ASSERT(!ipnet_list_contains(list, 0, &c));
}

/* ipnet_forwarded_client with trusted = 10.0.0.0/8 and 2001:db8::/32. */
static ipnet_fwd_result fwd(const char *peer, const char *xff, char out[IPNET_ADDR_STRLEN]) {
    ipnet t[2] = {net("10.0.0.0/8"), net("2001:db8::/32")};
    return ipnet_forwarded_client(t, 2, peer, xff, out);
}

static void test_forwarded(void) {
    char out[IPNET_ADDR_STRLEN];
    /* Not from a proxy: the header is the client's own claim. */
    ASSERT_EQ(fwd("198.51.100.7", "203.0.113.1", out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    /* From a proxy without a header, or with an empty one. */
    ASSERT_EQ(fwd("10.0.0.2", NULL, out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "10.0.0.2");
    ASSERT_EQ(fwd("10.0.0.2", "", out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "10.0.0.2");
    ASSERT_EQ(fwd("10.0.0.2", " , ,", out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "10.0.0.2");
    /* The usual case: one proxy. */
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    /* Whatever the client wrote itself is left of what the proxy saw. */
    ASSERT_EQ(fwd("10.0.0.2", "1.1.1.1, 198.51.100.7", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    ASSERT_EQ(fwd("10.0.0.2", "not-an-address, 198.51.100.7", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    /* Two proxies in a row (HAProxy before nginx): both skipped. */
    ASSERT_EQ(fwd("10.0.0.2", "1.1.1.1,198.51.100.7,10.0.0.9", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    /* Every hop trusted: the leftmost. */
    ASSERT_EQ(fwd("10.0.0.2", "10.9.9.9, 10.0.0.9", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "10.9.9.9");
    /* Ports, brackets, IPv6, spaces and tabs, empty elements. */
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7:4711", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    ASSERT_EQ(fwd("10.0.0.2", "[2001:DB9::1]:443", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "2001:db9::1");
    ASSERT_EQ(fwd("10.0.0.2", "\t2001:db9::1 ,", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "2001:db9::1");
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7,,", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    ASSERT_EQ(fwd("2001:db8::5", "::ffff:198.51.100.7", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    /* A dual-stack socket's mapped peer is the IPv4 proxy. */
    ASSERT_EQ(fwd("::ffff:10.0.0.2", "198.51.100.7", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "198.51.100.7");
    ASSERT_EQ(fwd("::ffff:198.51.100.8", "203.0.113.1", out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "198.51.100.8");
    /* A trusted hop passing on garbage: counted against that hop. */
    ASSERT_EQ(fwd("10.0.0.2", "unknown", out), IPNET_FWD_BAD);
    ASSERT_STR_EQ(out, "10.0.0.2");
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7, _hidden, 10.0.0.9", out), IPNET_FWD_BAD);
    ASSERT_STR_EQ(out, "10.0.0.9");
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7:99999", out), IPNET_FWD_BAD);
    ASSERT_STR_EQ(out, "10.0.0.2");
    /* A bare IPv6 address takes no port: that is one address. */
    ASSERT_EQ(fwd("10.0.0.2", "2001:db9::1:443", out), IPNET_FWD_HEADER);
    ASSERT_STR_EQ(out, "2001:db9::1:443");
    ASSERT_EQ(fwd("10.0.0.2", "[198.51.100.7]", out), IPNET_FWD_BAD);
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.0/24", out), IPNET_FWD_BAD);
    ASSERT_EQ(fwd("10.0.0.2", "198.51.100.7 198.51.100.8", out), IPNET_FWD_BAD);
    /* The peer address itself is not parseable (never from a socket). */
    ASSERT_EQ(fwd("", "198.51.100.7", out), IPNET_FWD_BAD_PEER);
    ASSERT_STR_EQ(out, "");
    /* No trusted proxies: the header is never read. */
    ASSERT_EQ(ipnet_forwarded_client(NULL, 0, "10.0.0.2", "198.51.100.7", out), IPNET_FWD_PEER);
    ASSERT_STR_EQ(out, "10.0.0.2");
}

int main(void) {
    RUN_TEST(test_parse);
    RUN_TEST(test_contains);
    RUN_TEST(test_forwarded);
    TEST_DONE();
}
