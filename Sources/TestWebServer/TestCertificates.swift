import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made at start, and the leaf certificates the TLS listeners present:
/// a good one for `127.0.0.1` and `localhost`, and one for each certificate failure a browser
/// must report (expired, issued for another host, self-signed).
///
/// Nothing is read from disk; ``write(to:)`` writes the CA (and each leaf's chain) as PEM, so
/// that a client can trust the CA with `--ca-file` or `curl --cacert`.
public struct TestCertificates: Sendable {
    /// A leaf certificate and its key, PEM-encoded.
    public struct Leaf: Sendable {
        /// The certificate, PEM.
        public var certificatePEM: String
        /// Its P-256 private key, PEM (PKCS #8).
        public var privateKeyPEM: String
    }

    /// The authority's certificate, PEM: what a client trusts.
    public let authorityPEM: String
    /// Valid for `127.0.0.1`, `127.0.0.2` and `localhost`, signed by the authority. (libcurl
    /// counts `127.0.0.1` and `localhost` as secure even over HTTP; `127.0.0.2` it does not.)
    public let good: Leaf
    /// Valid names, signed by the authority, but expired a day ago.
    public let expired: Leaf
    /// Signed by the authority for `wrong.example` only.
    public let wrongHost: Leaf
    /// Valid names, but signed by its own key: no authority vouches for it.
    public let selfSigned: Leaf

    /// Makes a fresh authority and its leaves (a few milliseconds: P-256 keys).
    public init() throws {
        let now = Date()
        let authorityKey = P256.Signing.PrivateKey()
        let authorityName = try DistinguishedName {
            OrganizationName("WebRequestKit test")
            CommonName("WebRequestKit test CA")
        }
        let authorityPublic = Certificate.PublicKey(authorityKey.publicKey)
        let authority = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: authorityPublic,
            notValidBefore: now - 3600,
            notValidAfter: now + 30 * 86_400,
            issuer: authorityName,
            subject: authorityName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: authorityPublic)
            },
            issuerPrivateKey: Certificate.PrivateKey(authorityKey)
        )
        authorityPEM = try authority.serializeAsPEM().pemString

        func leaf(
            names: [GeneralName], validity: ClosedRange<Date>, selfSigned: Bool = false
        ) throws -> Leaf {
            let key = P256.Signing.PrivateKey()
            let publicKey = Certificate.PublicKey(key.publicKey)
            let subject = try DistinguishedName { CommonName("WebRequestKit test server") }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: validity.lowerBound,
                notValidAfter: validity.upperBound,
                issuer: selfSigned ? subject : authorityName,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                    SubjectKeyIdentifier(hash: publicKey)
                    if !selfSigned {
                        AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: authorityPublic).keyIdentifier)
                    }
                },
                issuerPrivateKey: Certificate.PrivateKey(selfSigned ? key : authorityKey)
            )
            return Leaf(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
        }

        let loopback: [GeneralName] = [
            .dnsName("localhost"),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 2])),
        ]
        let current = (now - 3600)...(now + 30 * 86_400)
        good = try leaf(names: loopback, validity: current)
        expired = try leaf(names: loopback, validity: (now - 30 * 86_400)...(now - 86_400))
        wrongHost = try leaf(names: [.dnsName("wrong.example")], validity: current)
        selfSigned = try leaf(names: loopback, validity: current, selfSigned: true)
    }

    /// Writes the authority to `directory/ca.pem` and returns its path.
    @discardableResult
    public func write(to directory: URL) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("ca.pem")
        try Data(authorityPEM.utf8).write(to: file)
        return file.path
    }
}
