import Foundation
import Testing
@testable import Retrieval

@Suite struct PIIMaskerTests {
    @Test(arguments: ["hong.gildong@example.co.kr", "a_b+c@gaekdam.cloud"])
    func emails(_ email: String) {
        #expect(PIIMasker.mask("연락처 \(email) 입니다") == "연락처 [EMAIL_REDACTED] 입니다")
    }

    @Test(arguments: ["010-1234-5678", "01012345678", "010 1234 5678", "+82 10-1234-5678", "02-123-4567", "031-987-6543", "070-1234-5678", "1588-1234"])
    func phones(_ phone: String) {
        #expect(PIIMasker.mask("고객 번호 \(phone)로 연락") == "고객 번호 [PHONE_REDACTED]로 연락")
    }

    @Test(arguments: ["900101-1234567", "851231-2345678", "020315-3456789"])
    func residentNumbers(_ number: String) {
        #expect(PIIMasker.mask("주민번호 \(number)") == "주민번호 [ID_REDACTED]")
    }

    @Test(arguments: ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559", "3782 822463 10005"])
    func cardNumbers(_ card: String) {
        #expect(PIIMasker.mask("카드 \(card) 결제") == "카드 [CARD_REDACTED] 결제")
    }

    /// Numbers hotel staff type every day that are not personal data.
    @Test(arguments: [
        "2024-01-15 체크인", "2024.01.15", "20240115", "1박 150,000원", "150000원", "1203호 객실", "예약번호 2024011512345",
        "오후 3시~11시", "내선 2000", "관광통역 1330", "10kg 이하", "991399-9999999", "4111 1111 1111 1112",
    ])
    func ordinaryNumbersStay(_ text: String) {
        #expect(PIIMasker.mask(text) == text)
    }

    @Test func stripRemovesForSearch() {
        #expect(PIIMasker.strip("환불 문의 010-1234-5678 kim@test.com") == "환불 문의    ")
    }

    @Test func mixedText() {
        let text = "1203호 김철수(010-9876-5432, kim@test.com) 고객이 카드 4111111111111111로 150,000원 결제"
        #expect(PIIMasker.mask(text) == "1203호 김철수([PHONE_REDACTED], [EMAIL_REDACTED]) 고객이 카드 [CARD_REDACTED]로 150,000원 결제")
    }
}
