"""SM2 certificates made with OpenSSL 3.0 (the command line; `cryptography` cannot make or
load SM2 keys), fixed here so tests need no openssl binary:

    openssl genpkey -algorithm SM2 -out ca.key
    openssl req -x509 -new -key ca.key -sm3 -sigopt distid:1234567812345678 \\
        -subj "/O=edu/CN=edu CA" -days 30 \\
        -addext "basicConstraints=critical,CA:true,pathlen:0" \\
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
    openssl genpkey -algorithm SM2 -out node.key
    openssl req -new -key node.key -sm3 -sigopt distid:1234567812345678 \\
        -subj "/O=edu/OU=validator/CN=val-0" -out node.csr
    openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -sm3 \\
        -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678 -days 10 \\
        -extfile ext.txt -out node.pem   # SAN IP:127.0.0.1, serverAuth+clientAuth, CA:false

Both are SM2-with-SM3 (OID 1.2.156.10197.1.501) under the SM2 curve (1.2.156.10197.1.301).
What they show: such certificates exist and are well-formed X.509, yet neither gRPC (grpcio
1.85: "Invalid cert chain file") nor OpenSSL 3.0's TLS ("unknown certificate type") can use
them; docs/sm-suite.md, TLS.
"""

SM2_CA_PEM = b"""\
-----BEGIN CERTIFICATE-----
MIIBpTCCAUugAwIBAgITCS+gzVnefQsywSO016cCwzBQTTAKBggqgRzPVQGDdTAf
MQwwCgYDVQQKDANlZHUxDzANBgNVBAMMBmVkdSBDQTAeFw0yNjEyMDQyMzE3MDJa
Fw0yNzAxMDMyMzE3MDJaMB8xDDAKBgNVBAoMA2VkdTEPMA0GA1UEAwwGZWR1IENB
MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE2Wg75kDowPSJo2u4Lue2utnfAFfo
upTwpFWyV+OT006nftxuGAgm8YimxGj2AIXRyE6sgdpmgfD5UwmG7Azmt6NmMGQw
HQYDVR0OBBYEFEefmEHtOLDTbp4VHGt8zWYCrFM/MB8GA1UdIwQYMBaAFEefmEHt
OLDTbp4VHGt8zWYCrFM/MBIGA1UdEwEB/wQIMAYBAf8CAQAwDgYDVR0PAQH/BAQD
AgEGMAoGCCqBHM9VAYN1A0gAMEUCIB5sEWaDcLlVTicTJJI3+64usTMd9EWO2o/X
8sIW2DGYAiEA7UuYbyolErpqVJmQIF3D2GtcK0UzPpP5YuAWN9mlly8=
-----END CERTIFICATE-----
"""

SM2_VALIDATOR_PEM = b"""\
-----BEGIN CERTIFICATE-----
MIIB5TCCAYugAwIBAgIUSEEmz8yAsZASjhA2i5XowMy1/5IwCgYIKoEcz1UBg3Uw
HzEMMAoGA1UECgwDZWR1MQ8wDQYDVQQDDAZlZHUgQ0EwHhcNMjYxMjA0MjMxNzEx
WhcNMjYxMjE0MjMxNzExWjAyMQwwCgYDVQQKDANlZHUxEjAQBgNVBAsMCXZhbGlk
YXRvcjEOMAwGA1UEAwwFdmFsLTAwWTATBgcqhkjOPQIBBggqgRzPVQGCLQNCAATY
CT9P5FNpwP6T7Qmx/qUWWSukL9RI/C3L7PXoMAtlaY3i6ppXgXlFCQPyDshIMGZB
Pq4xPbUXPKKQ2lNgdW85o4GRMIGOMA8GA1UdEQQIMAaHBH8AAAEwHQYDVR0lBBYw
FAYIKwYBBQUHAwEGCCsGAQUFBwMCMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQD
AgeAMB0GA1UdDgQWBBRIIDVUDuEH3376LhHUGnJgyzrRSTAfBgNVHSMEGDAWgBRH
n5hB7Tiw026eFRxrfM1mAqxTPzAKBggqgRzPVQGDdQNIADBFAiEAyHYjYtDSXUze
EnX8LW6z/nDN7CDjdLrM+5T81akwul8CICqFFEcG+Bs1c/Cp+M+xonfv4bjX5FOf
OBMPIKMwyOTn
-----END CERTIFICATE-----
"""
