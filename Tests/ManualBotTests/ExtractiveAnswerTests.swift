import Foundation
import Testing
@testable import Retrieval

@Suite struct ExtractiveAnswerTests {
    func hit(_ text: String, page: Int, question: Bool = false, file: String = "매뉴얼.pdf") -> SearchHit {
        SearchHit(chunkID: Int64(page), fileName: file, source: "/m/\(file)", page: page, text: text,
                  isQuestionBlock: question, score: 1, coverage: 1)
    }

    /// The reply as the chat builds it: sentences chosen by the question's search terms.
    func reply(_ question: String, hits: [SearchHit], maxCharacters: Int = 700) -> String {
        ExtractiveAnswer(maxCharacters: maxCharacters).reply(terms: KoreanTokenizer().weightedQueryTerms(question), hits: hits)
    }

    @Test func questionBlockGivesItsAnswerOnly() {
        let block = "Q3. 분실물은 얼마나 보관하나요?\nA. 일반 물품은 6개월간 보관합니다.\n귀중품은 금고에 보관합니다."
        let reply = reply("분실물 보관 기간", hits: [hit(block, page: 3, question: true)])
        #expect(reply.hasSuffix("일반 물품은 6개월간 보관합니다. 귀중품은 금고에 보관합니다. [출처: 매뉴얼.pdf p.3]"))
        #expect(!reply.contains("Q3"))
    }

    @Test func sentencesAreCitedDeduplicatedAndInPageOrder() {
        let page4 = "4.1 체크인 안내\n• 체크인은 오후 3시부터입니다.\n체크인 때 신분증을 확인합니다."
        let page2 = "체크인은 오후 3시부터입니다.\n얼리 체크인은 객실 상황에 따라 가능합니다."
        let reply = reply("체크인 몇 시부터 해요?", hits: [hit(page4, page: 4), hit(page2, page: 2)])
        let lines = reply.split(separator: "\n").filter { $0.hasPrefix("• ") }
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.contains("[출처: 매뉴얼.pdf p.") })
        #expect(reply.components(separatedBy: "체크인은 오후 3시부터입니다.").count == 2)  // once only
        #expect(!reply.contains("4.1 체크인 안내"))  // headings are not answers
        #expect(!reply.contains("• •"))
        let firstPage2 = reply.range(of: "p.2]")!.lowerBound
        let firstPage4 = reply.range(of: "p.4]")!.lowerBound
        #expect(firstPage2 < firstPage4)
    }

    @Test func replyStaysWithinTheLimit() {
        let long = (1...30).map { "체크아웃 관련 안내 문장 \($0)번입니다." }.joined(separator: "\n")
        let reply = reply("체크아웃 안내", hits: [hit(long, page: 1)], maxCharacters: 200)
        #expect(reply.count < 320)
    }

    @Test func noHitsGiveTheContractReply() {
        #expect(reply("아무거나", hits: []) == "관련 매뉴얼을 찾지 못했습니다. 질문을 다르게 표현해 보시겠어요?")
    }

    /// A question word the search corrected ("주찬장" → 주차장) picks the answer's sentences too:
    /// the reply quotes the parking sentence, not the page's opening lines about other floors.
    @Test func sentencesFollowTheSearchsTypoCorrection() async throws {
        let manuals = try await IndexedTexts([
            "시설.txt": "호텔 시설 안내\n수영장은 5층에 있습니다.\n피트니스는 6층에 있습니다.\n주차장은 지하 2층에 있습니다.",
            "조식.txt": "조식은 7시부터 10시까지 제공됩니다.",
        ])
        let found = try await manuals.index.find("주찬장 어디 있어요?")
        #expect(found.hits.first?.fileName == "시설.txt")
        #expect(found.terms.contains { $0.term == "주차" && $0.alternative > 0 })
        let reply = ExtractiveAnswer().reply(to: found)
        #expect(reply.contains("주차장은 지하 2층에 있습니다."))
        #expect(!reply.contains("수영장은"))
    }
}
