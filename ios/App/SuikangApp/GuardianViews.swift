import Suikang
import SwiftUI

/// The dependents this guardian holds (代申领, 问题二), with remove asked once more.
/// Mirrors android/shared `DependentsList`: the core lists the codes and queues the removal.
@MainActor
final class DependentsModel: ObservableObject {
    enum Stage: Equatable { case ready, confirming(String), removing(String), removed(SubmitOutcome), failed(String) }

    @Published private(set) var dependents: [CodeSummary] = []
    @Published private(set) var stage: Stage = .ready
    let app: Suikang.App

    init(app: Suikang.App) { self.app = app }

    func load() async {
        do { dependents = try await app.codes().filter { $0.role == .dependent } } catch { stage = .failed(error.localizedDescription) }
    }

    func askToRemove(_ codeId: String) { if case .removing = stage { return }; stage = .confirming(codeId) }
    func cancel() { if case .confirming = stage { stage = .ready } }

    func confirmRemove() async {
        guard case .confirming(let codeId) = stage else { return }
        stage = .removing(codeId)
        do {
            let outcome = try await app.removeDependent(codeId: codeId)
            await load()
            stage = .removed(outcome)
        } catch { stage = .failed(error.localizedDescription) }
    }
}

struct DependentsView: View {
    @StateObject var model: DependentsModel
    /// The language on screen, the person's choice (AppModel).
    @EnvironmentObject var app: AppModel
    private var language: Language { app.language }

    var body: some View {
        List {
            ForEach(model.dependents, id: \.codeId) { code in
                VStack(alignment: .leading, spacing: 4) {
                    Text("\(code.maskedName)  \(code.maskedDocument)").font(.headline)
                    Text([colorName(color: code.color, language: language),
                          code.relationship.map { relationshipLabel(relationship: $0, language: language) }]
                        .compactMap { $0 }.joined(separator: " · "))
                    if model.stage == .confirming(code.codeId) {
                        Text(removeDependentQuestion(maskedName: code.maskedName, language: language))
                        HStack {
                            Button(language.text(.confirmRemove), role: .destructive) { Task { await model.confirmRemove() } }
                            Button(language.text(.cancel)) { model.cancel() }
                        }
                    } else {
                        Button(language.text(.remove)) { model.askToRemove(code.codeId) }
                    }
                }
            }
            switch model.stage {
            case .removed(.queued): Text(language.text(.savedSentWhenOnline))
            case .removed: Text(language.text(.removed))
            case .failed(let message): Text(message).foregroundColor(.red)
            default: EmptyView()
            }
        }
        .navigationTitle(language.text(.dependents))
        .task { await model.load() }
    }
}

/// Who asked to join the guardians of this guardian's dependents (DESIGN §2):
/// approve or decline. Mirrors android/shared `JoinRequestsList`.
@MainActor
final class JoinRequestsModel: ObservableObject {
    @Published private(set) var requests: [JoinRequest] = []
    @Published private(set) var deciding: String?
    @Published private(set) var lastDecision: JoinDecisionResult?
    @Published private(set) var failure: String?
    let app: Suikang.App

    init(app: Suikang.App) { self.app = app }

    func refresh() async {
        do { requests = try await app.pendingJoinRequests(); failure = nil } catch { failure = error.localizedDescription }
    }

    func decide(_ requestId: String, approve: Bool) async {
        guard deciding == nil, requests.contains(where: { $0.requestId == requestId }) else { return }
        deciding = requestId
        defer { deciding = nil }
        do {
            lastDecision = approve ? try await app.approveJoinRequest(requestId: requestId)
                                   : try await app.declineJoinRequest(requestId: requestId)
            await refresh()
        } catch { failure = error.localizedDescription }
    }
}

struct JoinRequestsView: View {
    @StateObject var model: JoinRequestsModel
    /// The language on screen, the person's choice (AppModel).
    @EnvironmentObject var app: AppModel
    private var language: Language { app.language }

    var body: some View {
        List {
            ForEach(model.requests, id: \.requestId) { request in
                VStack(alignment: .leading, spacing: 4) {
                    Text("\(request.requesterMaskedName) → \(request.dependentMaskedName)").font(.headline)
                    Text(relationshipLabel(relationship: request.relationship, language: language)
                        + (request.coResidentDeclared ? " · " + language.text(.livesWithDependent) : ""))
                    Text(clockText(at: request.requestedAt)).font(.caption)
                    HStack {
                        Button(language.text(.approve)) { Task { await model.decide(request.requestId, approve: true) } }
                        Button(language.text(.decline), role: .destructive) { Task { await model.decide(request.requestId, approve: false) } }
                    }
                    .disabled(model.deciding != nil)
                }
            }
            if model.requests.isEmpty { Text(language.text(.noJoinRequests)) }
            if let decision = model.lastDecision {
                Text(decision.decision == .approved ? language.text(.approved) : language.text(.declined))
            }
            if let failure = model.failure { Text(failure).foregroundColor(.red) }
        }
        .navigationTitle(language.text(.joinRequests))
        .refreshable { await model.refresh() }
        .task { await model.refresh() }
    }
}
