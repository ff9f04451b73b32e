// DEVELOPMENT-ONLY RSA KEYS for DOKU SNAP (e-wallets) and the local DOKU sandbox.
//
// These are public (they are in this repository): they exist so that `npm start` and the tests
// run the whole SNAP flow with nothing configured. They are NEVER valid at DOKU: once DOKU_BASE_URL
// is an https:// (real) address, bayar will not start with either (config.ts). Two 2048-bit pairs, as
// DOKU's Back Office exchanges them: the merchant's pair (bayar signs its B2B token requests with
// the private half and signs the JWTs it issues to DOKU for notifications; the sandbox verifies
// with the public half) and DOKU's pair (the sandbox signs its token requests to bayar's token
// endpoint; bayar verifies with DOKU_SNAP_DOKU_PUBLIC_KEY).
// Generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.

export const DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCr2IUXJM9XSfLX
C0nN9C3YZodv/j+5D8afUw/S1MRTrz8pSRa5Th0QqlyjLE4erkbk4oInlPaG30G1
tmZayZpTOsWOMsrMVx4qsDd6e8jY2Oexn4nkWMMIC9MTe0xH1HwuJ3GPNhrMXqJq
XgT3qBWrHRqfL05C+sp0bCI7sXQO2pWKYTCptBy0ugzBZbZChvDWypId2pbDncUs
yQCBk9SjRmSPWizMFR02DjbWSWZVbIbukbUTwu0pTk6tK+u/gF8TfXB3kCoRaLo/
pfRFiDX/ppcYCurJ9N7FrnNyOWXeRZ22T6C3STN4b+993HnAlkyu/I08bgAJSXRe
ycuwGYaHAgMBAAECggEAD1P50xhScjvDWxEZB94u31g4iRx0PKKT7zmDy3ofpO3t
xACj8+rBcZobNzwddQ5107ashgal0rPunYcOgYHtWl0p//Fh4MYoh7A+J+u1/ORO
uQDnq3mLXpgHaiZw+xCQnwv093bg/w0LOaeh6SE8sDhMBpo78IIu4CGWZXKs98y8
EEE538qVV+7cWR2nOHT/gau94z/JEW6GlJd5tHj+Vre+Is+LV0aEdY3NTfK6iR+/
3y/X0usubt99Qgtt/ukvX3Ud0a+Pg5ptMCchwDSv3SvkLRjy6rcJ5J4h6Hj56dgS
r6AuykqWsyfhLYPcCj+ETcxq6Wu2Uoed0BTR7gFj2QKBgQDWSE9O6iTZOAp6sXXe
ouPpuuTPRuzBUKzE4GqVPjVRNYZNM0qlwouw3wK+gXmPrzGSa3S+VTUHasUOTY2P
xOqf5WQupaIQWvoWg4YN+8AjxboWxSvWAQCkOJS14Ja7yaa/v7ZzDMGGlMoebtma
vzRN0ujH4+G4dAHL6m1jShsZ9QKBgQDNTTH5/osVMJB+i9AfD1fwUmT8HxIUogls
L1Ei/f/ewAE/Sg+jO7rc12fWAEopIgGhTtnqhZu/9olN2l6q8AIfUlaC9rMd8FRM
w/qQFqueAWmHrnOzJ9dQL3hAkkhjzOrPb+k6hUKR97kwEorPUp+0f+8g9B4bfMmi
t12tZRMlCwKBgFsGBmJwRczb6F+sCHTVXtlHYbDG4QVRPsK2za+t6Doh8XXTxu7Y
0DwGz4SbPUcS1YzsBoBfc5I+AY0M1ohuznezmrXR+CDYdImhvw0rlrfbYywO/4r9
jAc2Xb1QtNb6VtH3HwqKLZ78j0sULW11sUMpx2Y54AVZifXUFDlsHk0NAoGBAI73
QOQ8dBJPfXACYO4gOzbpydUgtfCUXkduM+xQQQyXXMb8BiPABoKfpnmKPhqiycvR
I0ODw1BMmJUUinQzKucw6XnN3jHtGGdU2nnYr64agaiwvXV3OyNlyzH8LFkDbEkE
P8A26ILJpbZqUyvI99o0dQvXs9ekcK3VT3DeQBS9AoGAH0NXzlGZSakeKfpjQfCt
lk06+XnPHyd7iC0IzgqsTSi+eGzl3KnlvTV28DKA75AduKifRACoOfA9tjnqEx85
tj1H+zGQBHt7Mm+PGy/U4N/HPHKlCyK29n4Jme10KmnXGZBK5/bTe33hdRAGF02H
D6/Erz/wLIMpZAYA+LUPTB4=
-----END PRIVATE KEY-----`;

export const DEV_DOKU_SNAP_MERCHANT_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq9iFFyTPV0ny1wtJzfQt
2GaHb/4/uQ/Gn1MP0tTEU68/KUkWuU4dEKpcoyxOHq5G5OKCJ5T2ht9BtbZmWsma
UzrFjjLKzFceKrA3envI2NjnsZ+J5FjDCAvTE3tMR9R8LidxjzYazF6ial4E96gV
qx0any9OQvrKdGwiO7F0DtqVimEwqbQctLoMwWW2Qobw1sqSHdqWw53FLMkAgZPU
o0Zkj1oszBUdNg421klmVWyG7pG1E8LtKU5OrSvrv4BfE31wd5AqEWi6P6X0RYg1
/6aXGArqyfTexa5zcjll3kWdtk+gt0kzeG/vfdx5wJZMrvyNPG4ACUl0XsnLsBmG
hwIDAQAB
-----END PUBLIC KEY-----`;

export const DEV_DOKU_SNAP_DOKU_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCaWoC1JVEyP3ze
1bxclfnjirOec7hc4/MzZnhGduQKiIGu0pibuHXB34bbgU/WPoBW3qYNuAZNkbxx
1Da7vPANPucXDF0cevOqwlwuTOH/JGgF8OHnQdlQp6V37D28LRHEwRpb9rv1xwcU
u1fm3OYnIWXERHtcw0Bn7TYNTweZHgTp0CEA9/ZMTSPi+IQ6Nsjnodlw5l7bDrr6
F5ojUoHMStnMeS0C6ryLo8HfRnfI5qfGZXw37oSc9g4ywaayC6wfpnkDrqLeW7cg
Q9DPK1Ra2lDn8Obn/5kCDDh9Ncz91FoMrOcZGoyyt/yzBj13FGQo3iR5KXVG/vl4
ULDcbzApAgMBAAECggEACF7UD/7AEnuC6AqrNlIjxQUmjHc2DkOGUslByIB2CWQx
tCtTf05XhHX8uDag/7tP9mYIl0HdhaNblsitVyz9z5oTqhpPilXYlPAJU7FzqARv
Z7MSbRoTEN6miIRVLLk893CJX2dX9hIe/i7Sq4BbMtAK1sPn9LXZ7kjc34fjn5f9
iTEEI19CXkmT76gUMLyjXyFaHam7oG17obn6viW+um0D6wJRgvtQRSyaMW1G0yMG
OLyoDGuFoImg9T9KGBKD5aZAO1kMneYq/lLM3lYvEA/KKkVOzmqRgS2qN9rVFsnx
/YfX+D0NqWt1H/x0npXjeWXUB/N9o9oUoz/KvZEMKQKBgQDWWxTg+bSxVQvXQq4P
pPUaQQ2HRtpuEU04SF/SldLZgPj/hreaZOpkEMNaqALYlqkCAea4AU3CUkeyerP3
+/esAhphA3PDtDJc1fkyZMpi5rprJMCNtX1zakpo/llP39tncVZ+WH+aaxGnZceQ
B3wis2Q4GIqs3B/P/Xc/RtmC9wKBgQC4Vzo3ye9xg5OLD4Gkf0yfim9Z3ttMZo+E
MRj8/bBJoeuLCTuOfWI34vimvt2ba7ua1gHziFe3Mc/RNhc88opsJpzQSVJbR1mM
rUcTUBVadTc4KYL2iLP/lBI9vQVVq8zO6rpsx7wWjLgoZObBYryOJt47e+HyGVoo
FmgRG7j93wKBgQCAIqIwehRRjQ0u+GUkZO8/anOz0d7wvNb0Ng9Rys3nxvkRhm5q
lLioaHzezGAnKKiO0qQgimb5KkZBoqfCLZS39ene5DlnW2hfpmj4ftecl2AIfEe+
bic3vuoMKT8qSB7XjyCtFinxHN/IuUa6Cj9iXuohvknnWw6JPnLyGGAdsQKBgQCx
WSImiD23/PlW4U09wEcsepgUY2aiQ02xxTagN0WCIail8/T7aj+zOsc0TQ6RN32f
QmNQNA0Hr4GbaqnCtilcUW2uqcv1C1jpEc/+kZ5pj7nXa4CWxQA/U+qUwSS/vnBl
ZciDXUnke++01RZ4WRDExjoqCk5fh+qIBL6MLxq0CwKBgQDE1D8D86YfAizBbiIG
0xvhNQhppRHXgLUNkEcwh268Q0b0VMGR62S/UomT991WYwa+dHJcIXNlYucoLsWx
5Adnpd0Xs3ZqdnpBe764O/i5H7wHMZcXF3uz6YUXbwYI7l2LwW4l2LuM8tw8qrZL
jt3XFW4Ck6HOWMMAkh3wMBC2eA==
-----END PRIVATE KEY-----`;

export const DEV_DOKU_SNAP_DOKU_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmlqAtSVRMj983tW8XJX5
44qznnO4XOPzM2Z4RnbkCoiBrtKYm7h1wd+G24FP1j6AVt6mDbgGTZG8cdQ2u7zw
DT7nFwxdHHrzqsJcLkzh/yRoBfDh50HZUKeld+w9vC0RxMEaW/a79ccHFLtX5tzm
JyFlxER7XMNAZ+02DU8HmR4E6dAhAPf2TE0j4viEOjbI56HZcOZe2w66+heaI1KB
zErZzHktAuq8i6PB30Z3yOanxmV8N+6EnPYOMsGmsgusH6Z5A66i3lu3IEPQzytU
WtpQ5/Dm5/+ZAgw4fTXM/dRaDKznGRqMsrf8swY9dxRkKN4keSl1Rv75eFCw3G8w
KQIDAQAB
-----END PUBLIC KEY-----`;
