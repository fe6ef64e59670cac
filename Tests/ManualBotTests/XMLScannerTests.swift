// The hand-written XML reader behind the S3 client: S3's documents as AWS publishes them,
// entities, CDATA, namespaces and attributes, and refusal of what is not well-formed.
import Foundation
import Testing
@testable import S3

@Suite struct XMLScannerTests {
    /// The ListObjectsV2 response of AWS's S3 API reference, with encoding-type=url.
    static let listPage = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Name>gaekdam-ai-bot-bucket</Name>
          <Prefix></Prefix>
          <KeyCount>2</KeyCount>
          <MaxKeys>1000</MaxKeys>
          <EncodingType>url</EncodingType>
          <IsTruncated>true</IsTruncated>
          <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
          <Contents>
            <Key>manuals/%ED%94%84%EB%9F%B0%ED%8A%B8+%EB%A7%A4%EB%89%B4%EC%96%BC.pdf</Key>
            <LastModified>2026-11-20T17:50:30.000Z</LastModified>
            <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
            <Size>434234</Size>
            <StorageClass>STANDARD</StorageClass>
          </Contents>
          <Contents>
            <Key>a%26b%3Cc.txt</Key>
            <LastModified>2026-11-21T08:00:00.000Z</LastModified>
            <ETag>"9b2cf535f27731c974343645a3985328-2"</ETag>
            <Size>12</Size>
            <Owner><ID>x</ID><DisplayName/></Owner>
          </Contents>
        </ListBucketResult>
        """

    @Test func listObjectsPage() throws {
        let page = try ListObjectsParser.parse(Data(Self.listPage.utf8))
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(page.objects.map(\.key) == ["manuals/프런트 매뉴얼.pdf", "a&b<c.txt"])
        #expect(page.objects.map(\.etag) == ["\"fba9dede5f27731c9771645a39863328\"", "\"9b2cf535f27731c974343645a3985328-2\""])
        #expect(page.objects.map(\.size) == [434234, 12])
        #expect(page.objects[0].lastModified == Date(timeIntervalSince1970: 1_795_197_030))  // 2026-11-20T17:50:30Z
    }

    @Test func errorBody() {
        let fields = ErrorBodyParser.parse(Data("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AccessDenied</Code><Message>Access Denied &amp; logged</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """.utf8))
        #expect(fields["Code"] == "AccessDenied")
        #expect(fields["Message"] == "Access Denied & logged")
        #expect(fields["RequestId"] == "4442587FB7D0A2F9")
        #expect(ErrorBodyParser.parse(Data("<html>502 Bad Gateway".utf8)).isEmpty)
    }

    @Test func entitiesCDATACommentsAndAttributes() throws {
        var events: [XMLScanner.Event] = []
        try XMLScanner.scan(Data("<!-- c --><a x=\"1>2\" y='3'><b>&#54620;&#xAE00; &lt;&gt;&apos;</b><![CDATA[<raw&>]]><c/></a>".utf8)) { events.append($0) }
        #expect(events == [.start("a"), .start("b"), .end("b", text: "한글 <>'"), .start("c"), .end("c", text: ""), .end("a", text: "")])
        // A leaf's text in pieces (text, CDATA, entity) comes back whole.
        events = []
        try XMLScanner.scan(Data("<k>a<![CDATA[<b>]]>&amp;c</k>".utf8)) { events.append($0) }
        #expect(events == [.start("k"), .end("k", text: "a<b>&c")])
    }

    @Test(arguments: ["<a><b></a>", "<a>", "<a>&bogus;</a>", "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "<a></a>junk", "<a x=\"1></a>", "<a>&amp</a>"])
    func malformedIsRefused(document: String) {
        #expect(throws: XMLScanner.Malformed.self) { try XMLScanner.scan(Data(document.utf8)) { _ in } }
    }
}
