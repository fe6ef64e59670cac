import Foundation
import Testing
@testable import PDFIngest

@Suite struct ChunkerTests {
    @Test func everyChunkKeepsItsPage() {
        let document = ExtractedDocument(pages: [
            String(repeating: "가나다라마바사 아자차카타파하. ", count: 100),
            "",
            "짧은 페이지입니다. 세번째 페이지의 내용.",
        ])
        let chunks = Chunker(maxCharacters: 300, overlapCharacters: 60).chunks(of: document)
        #expect(chunks.contains { $0.page == 1 })
        #expect(!chunks.contains { $0.page == 2 })
        #expect(chunks.last?.page == 3)
        #expect(chunks.allSatisfy { $0.text.count <= 300 })
        #expect(chunks.filter { $0.page == 1 }.count > 3)
    }

    @Test func questionBlocksStayWhole() {
        let page = """
        자주 묻는 질문
        Q1. 노쇼 고객이 환불을 요청하면 어떻게 하나요?
        A. 첫 1박 요금은 환불되지 않습니다.
        Q2. 취소 수수료는 얼마인가요?
        A. 3일 전까지는 무료입니다.
        """
        let chunks = Chunker().chunks(ofPage: page, number: 4)
        let questions = chunks.filter(\.isQuestionBlock)
        #expect(questions.count == 2)
        #expect(questions[0].text.contains("Q1.") && questions[0].text.contains("첫 1박"))
        #expect(!questions[0].text.contains("Q2."))
        #expect(chunks.allSatisfy { $0.page == 4 })
    }

    @Test func runningHeadersAndPageNumbersAreDropped() {
        let topics = ["체크인 절차", "노쇼 환불", "분실물 보관", "주차 안내"]
        let pages = topics.enumerated().map { n, topic in "누리호텔 응대 매뉴얼 | \(n + 1) / 4\n\(topic)에 대한 설명입니다.\n- \(n + 1) -" }
        let chunks = Chunker().chunks(of: ExtractedDocument(pages: pages))
        #expect(chunks.count == 4)
        #expect(chunks.allSatisfy { !$0.text.contains("누리호텔 응대 매뉴얼") && !$0.text.contains("- ") })
        #expect(chunks[2].text == "분실물 보관에 대한 설명입니다.")
    }

    @Test func longLinesAreCutWithOverlap() {
        let sentence = "고객의 요청을 먼저 경청합니다. "
        let chunks = Chunker(maxCharacters: 200, overlapCharacters: 40).chunks(ofPage: String(repeating: sentence, count: 40), number: 1)
        #expect(chunks.count > 3)
        #expect(chunks.allSatisfy { $0.text.count <= 200 })
    }
}
