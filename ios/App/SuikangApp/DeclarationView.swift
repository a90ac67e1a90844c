import Suikang
import SwiftUI

/// 健康申报 (问题三): symptoms, and arrival from a key epidemic area with the district
/// arrived in picked from the core's list, for one's own code (`codeId` nil) or a
/// dependent's. Mirrors android/shared `DeclarationForm`: the core checks the date and
/// the district and queues the declaration when offline.
struct DeclarationView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    let codeId: String?
    @State private var symptoms: Set<Symptom> = []
    @State private var travelled = false
    @State private var area = ""
    @State private var arrivedOn = Date()
    @State private var districtQuery = ""
    @State private var district: DistrictChoice?
    @State private var failure: String?
    @State private var sending = false
    private var language: Language { model.language }
    private let allSymptoms: [Symptom] = [.fever, .cough, .fatigue, .soreThroat, .shortnessOfBreath, .diarrhoea, .lossOfTasteOrSmell]

    var body: some View {
        Form {
            Section(language.text(.symptoms)) {
                ForEach(allSymptoms, id: \.self) { symptom in
                    Toggle(symptomLabel(symptom: symptom, language: language), isOn: Binding(
                        get: { symptoms.contains(symptom) },
                        set: { if $0 { symptoms.insert(symptom) } else { symptoms.remove(symptom) } }))
                }
            }
            Toggle(language.text(.arrivedFromKeyArea), isOn: $travelled)
            if travelled {
                TextField(language.text(.keyArea), text: $area)
                DatePicker(language.text(.arrivedOn), selection: $arrivedOn, displayedComponents: .date)
                TextField(language.text(.districtArrivedIn), text: $districtQuery)
                    .onChange(of: districtQuery) { typed in if typed != district?.name { district = nil } }
                if district == nil && !districtQuery.isEmpty {
                    ForEach(districts(query: districtQuery, language: language).prefix(8), id: \.code) { choice in
                        Button(choice.name) { district = choice; districtQuery = choice.name }
                    }
                }
            }
            if let failure { Text(failure).foregroundColor(.red) }
            Button(language.text(.submitDeclaration)) { submit() }.disabled(sending)
        }
        .navigationTitle(language.text(.healthDeclaration))
    }

    private func submit() {
        var travel: KeyAreaTravel?
        if travelled {
            let day = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Shanghai")!, from: arrivedOn)
            let date = String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
            // A picked district's code, else what was typed (the core finds it or says UnknownDistrict).
            travel = KeyAreaTravel(area: area, arrivedOn: date, district: district?.code ?? districtQuery)
        }
        let picked = allSymptoms.filter { symptoms.contains($0) }
        sending = true
        Task {
            defer { sending = false }
            do {
                _ = try await model.app.declare(codeId: codeId, symptoms: picked, travelFromKeyArea: travel)
                dismiss()
            } catch {
                failure = error.localizedDescription
            }
        }
    }
}
