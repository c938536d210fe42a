#!/bin/bash
# mkcerts.sh DIR [NAME] - throwaway certificates for the TLS tests
#
# Writes into DIR: ca.{key,crt} (a self-signed test CA); for each of rsa
# (2048 bits) and ec (P-256) server-$k.key, server-$k.crt (signed by the
# CA; SAN = NAME, localhost, IP 127.0.0.1; EKU serverAuth, clientAuth) and
# server-$k-chain.crt (leaf, then CA); other-ca.{key,crt}, a second CA
# that signed nothing of the above. The TLSA data goes to files and to
# stdout: tlsa-rsa-311, tlsa-ec-311 (3 1 1: SHA-256 of the leaf's
# SubjectPublicKeyInfo) and tlsa-ca-211 (2 1 1: the same of the CA).
# NAME defaults to mx1.example.test. Test use only: nothing here is secret.
set -euo pipefail
dir=${1:?usage: mkcerts.sh DIR [NAME]}; name=${2:-mx1.example.test}
mkdir -p "$dir"; cd "$dir"

# newca BASE CN: a self-signed CA, 10 years
newca() {
	openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
	  -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" \
	  -addext "basicConstraints=critical,CA:TRUE" \
	  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
newca ca "Test CA (throwaway)"
newca other-ca "Other Test CA (throwaway)"

cat > server.ext <<EOX
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1
EOX

for kind in rsa ec; do
	if [ $kind = rsa ]; then alg=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048)
	else alg=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256); fi
	openssl genpkey "${alg[@]}" -out server-$kind.key 2>/dev/null
	openssl req -new -key server-$kind.key -subj "/CN=$name" -out server-$kind.csr
	openssl x509 -req -in server-$kind.csr -CA ca.crt -CAkey ca.key \
	  -CAcreateserial -days 825 -sha256 -extfile server.ext \
	  -out server-$kind.crt 2>/dev/null
	cat server-$kind.crt ca.crt > server-$kind-chain.crt
	openssl verify -CAfile ca.crt server-$kind.crt > /dev/null
done
chmod 600 ./*.key

# spki_sha256 CERT: the TLSA x 1 1 data of a certificate
spki_sha256() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
	  openssl dgst -sha256 -r | cut -d' ' -f1
}
spki_sha256 server-rsa.crt > tlsa-rsa-311
spki_sha256 server-ec.crt > tlsa-ec-311
spki_sha256 ca.crt > tlsa-ca-211
echo "_25._tcp.$name. IN TLSA 3 1 1 $(cat tlsa-rsa-311) ; RSA cert"
echo "_25._tcp.$name. IN TLSA 3 1 1 $(cat tlsa-ec-311) ; ECDSA cert"
echo "_25._tcp.$name. IN TLSA 2 1 1 $(cat tlsa-ca-211) ; DANE-TA (CA)"
