import Suikang
import SwiftUI

/// 代申领 (问题二): the guardian's form, with the dependent's residence district
/// picked from the core's list (DESIGN §2: that district's committee decides who
/// else may join). Mirrors android/shared `ProxyApplicationForm`; the core checks
/// every field and its typed error says which to fix.
struct ProxyApplicationView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var name = ""
    @State private var kind = DocumentKind.residentId
    @State private var number = ""
    @State private var relationship = Relationship.adultRelative
    @State private var coResident = false
    @State private var reason: DeviceReason?
    @State private var districtQuery = ""
    @State private var district: DistrictChoice?
    @State private var failure: String?
    @State private var sending = false
    private var language: Language { model.language }
    private let kinds: [DocumentKind] = [.residentId, .passport, .hkMacaoPermit, .taiwanPermit]
    private let relationships: [Relationship] = [.adultRelative, .residentsCommittee, .villageCommittee, .propertyManagement]

    var body: some View {
        Form {
            TextField(language.text(.name), text: $name)
            Picker(language.text(.document), selection: $kind) {
                ForEach(kinds, id: \.self) { Text(documentKindLabel(kind: $0, language: language)).tag($0) }
            }
            TextField(language.text(.documentNumber), text: $number)
            Picker(language.text(.applyingAs), selection: $relationship) {
                ForEach(relationships, id: \.self) { Text(relationshipLabel(relationship: $0, language: language)).tag($0) }
            }
            Toggle(language.text(.liveTogether), isOn: $coResident)
            // Aged 18–59: why they cannot use a smart device (问题二); the core's reasons.
            Picker(language.text(.deviceReasonQuestion), selection: $reason) {
                Text(language.text(.deviceReasonNotNeeded)).tag(DeviceReason?.none)
                ForEach(deviceReasonChoices(language: language), id: \.label) { Text($0.label).tag(Optional($0.reason)) }
            }
            Section(language.text(.residenceDistrict)) {
                TextField("海珠 / haizhu / 440105", text: $districtQuery)
                    .onChange(of: districtQuery) { typed in if typed != district?.name { district = nil } }
                if district == nil && !districtQuery.isEmpty {
                    ForEach(districts(query: districtQuery, language: language).prefix(8), id: \.code) { choice in
                        Button(choice.name) { district = choice; districtQuery = choice.name }
                    }
                }
            }
            if let failure { Text(failure).foregroundColor(.red) }
            Button(language.text(.submitApplication)) { submit() }
                .disabled(sending || name.isEmpty || number.isEmpty)
        }
        .navigationTitle(language.text(.applyForDependent))
    }

    private func submit() {
        // A picked district's code, else what was typed (the core finds it or says UnknownDistrict).
        let typed = districtQuery.trimmingCharacters(in: .whitespaces)
        let application = ProxyApplication(
            name: name, kind: kind, number: number, relationship: relationship,
            coResidentDeclared: coResident, reason: reason, residenceDistrict: district?.code ?? (typed.isEmpty ? nil : typed))
        sending = true
        Task {
            defer { sending = false }
            do {
                _ = try await model.app.applyProxy(application: application)
                dismiss()
            } catch {
                failure = error.localizedDescription
            }
        }
    }
}
