// DEVELOPMENT-ONLY RSA KEYS for the aggregator provider and its local sandbox.
//
// These are public (they are in this repository): they exist so that `npm start` and the tests
// run the whole aggregator flow — our RSA-signed requests, the sandbox's RSA-signed answers and
// callbacks — with nothing configured. They are NEVER valid at a real platform, and bayar refuses
// to start with them once AGGREGATOR_BASE_URL is an https:// (real) address (config.ts).
//
// Two pairs, as at the real platform: the merchant's pair (bayar signs with the private half; the
// sandbox verifies with the public half) and the platform's pair (the sandbox signs with the
// private half; bayar verifies with AGGREGATOR_PLATFORM_PUBLIC_KEY). 1024-bit, like the keys the
// TopPay family hands out, so requests are signed in 117-byte blocks as in production.
// Generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`.

export const DEV_AGGREGATOR_MERCHANT_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAJz1C36I9SDfljzW
oxDUV0urY8rlgkckcJdDdhieQRmVtjcHSXj1Kx6IH2r1rmpZbOg3p+ly9jDUH4Pj
fyi+sAb8JBd7WknsG1+3rAbjARjDGP3H3F5OElrznk0ncdzIYnkITlNqA0wmaUf5
G2/Cl+6k9ACBUa3FBRHj086QmdqXAgMBAAECgYB+GJPKbWdZqKb/a4SH4b/cJ+49
NBNs6kaWD3mSH5m3X0KLhQwu4/BnT/7FpGkiQYOwL/5zG4vUAKbtA1jGOCQbxkhJ
5RrUnuy6qV2ZtKI93zNResuM7KmLkE15NMtfL1SBSeXx9JqF3FPrno5UBAZJkF8o
BZ6sEd5ZGaMBrbYM2QJBAM2Pce4GHTqhLn463DlvxC9dTxNjirA2BX8qzlZDQxTY
Wso8Z64Mx4EMxW/vObzcq7GCf2M7Qq2LZUB70U8iipUCQQDDeIcWo4qtEMqY63/Y
2lf6fXUdz7/ougUmxHuQILWMcurkB9Fg30APdeuIaNrDDfl5lo/rTuT0lQKE71kk
n/F7AkEAgcv/3pJRxoGcP+yevk3KjTXYBqAmJJoX4nJ/E40pQHJU8boupYJAP0Z3
LPTbelvEtjN2iIwU0ExixNLqGZPv+QJBAKhssNFj5viKMFclC8q5D/dopEIkoLIR
nqCxydn9JRE4b4Y96j4y/sqTi3fFCUHqR5xpi+Zv2z2XK02JwmCZZAMCQEfrK7HT
jpg/smEwl8Gff/hUxrVQQiRFMVr+tWf6ioC2gzOfUcA3RsiE1JSczXgJ7T4hmwC0
ckBvgrRp0HH4cM0=
-----END PRIVATE KEY-----`;

export const DEV_AGGREGATOR_MERCHANT_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCc9Qt+iPUg35Y81qMQ1FdLq2PK
5YJHJHCXQ3YYnkEZlbY3B0l49SseiB9q9a5qWWzoN6fpcvYw1B+D438ovrAG/CQX
e1pJ7Btft6wG4wEYwxj9x9xeThJa855NJ3HcyGJ5CE5TagNMJmlH+RtvwpfupPQA
gVGtxQUR49POkJnalwIDAQAB
-----END PUBLIC KEY-----`;

export const DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAMApa4r+SESDefYN
sTitWGICuO6R+dHLuNUIhuvTQlH4g9tY6r0alaTKQNCIytkNC+tnT0yxFraIObkk
j2WY+twQEOb2HC8lOmLfwSyZxYYAMYWpqMouN/y4fLwwvdAAGoGNfvnsIEhcMa1q
oqYAEA/Vf+4F+6j9NFN8RnjOmDjjAgMBAAECgYEAhNwefvtQ/A3rRTQyU/2GHj3D
ny9Oir9QC/rZTjPCpuosQHw50IWQ8V7lcUki9u8OTrQfH+dQzONjBZ9Bhf0/c7Hp
l25d3wF7mOhLB2EE0rvhVEQx2N3BiQEaEkkJfWK+BcjEKBxSPL6p5oc42gWYGKhg
UYCCxfcDXhbv8zq6SAECQQD/Ty21xhh/Hr0EXYUCK6QHF0rwFLMuEhTLvFCMJK6v
klscP2YJLfwAgJS4ZiQrWmMuMgpYfkG9eAvEWcZLsQf/AkEAwK6Byz6Cla+/U5fQ
kEzvWP02LIbooUOyweMF1xAN5p1BKTzFPV+3SnqmKKhurQOa7u/po5zTCRV4vrcg
MO2vHQJBAPYHpEH+Mw8VXQr+4DU2PuxCawmuuPjVncqzn19d3iT9QeWXxslj0evd
/PMyIvrQMLGMsWGT0eA29gfyh1/bqpsCQE4yRCCc1Ng0w/wD37PAVV6THLpDYgOY
euJu5P7b2Bhgd4Jp1E5NGxDR578WZBw5G1ae7P3mdkr4eNFFdn4E6A0CQFvXbQAu
K8iXnP9Z8RfITwzHOt++epg6YfRdNPF99aDDNcusjHr521O5JZSS8Fq7b1wgkK6W
2LDfE00piG4pV2I=
-----END PRIVATE KEY-----`;

export const DEV_AGGREGATOR_PLATFORM_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDAKWuK/khEg3n2DbE4rVhiArju
kfnRy7jVCIbr00JR+IPbWOq9GpWkykDQiMrZDQvrZ09MsRa2iDm5JI9lmPrcEBDm
9hwvJTpi38EsmcWGADGFqajKLjf8uHy8ML3QABqBjX757CBIXDGtaqKmABAP1X/u
Bfuo/TRTfEZ4zpg44wIDAQAB
-----END PUBLIC KEY-----`;
