package scan

// Cue words: what a request to a model is made of, in kinds (an
// obligation, secrecy, the user, the model, sending, a destination,
// something private, a change, a tool, an order, a preference, an
// override), in several languages. The scorer reads, besides a text's
// words, which kinds each sentence holds together: "always ... the
// recipient" or "silently ... send ... the key" is a request in whatever
// words it is made, where one word alone says little.
const (
	cueObligation = iota
	cueSecrecy
	cueUser
	cueModel
	cueSend
	cueDestination
	cuePrivate
	cueChange
	cueTool
	cueOrder
	cuePreference
	cueOverride
	cueKinds
)

// cueWords are the words of each kind. Chinese and Japanese are read a
// character at a time, where a cue would be a character of many words:
// they have none.
var cueWords = [cueKinds]string{
	cueObligation: "always must never required mandatory important critical should need needs ensure regardless whatever automatically " +
		"siempre nunca debe obligatorio toujours jamais doit obligatoire immer niemals muss pflicht sempre mai deve obrigatório всегда никогда обязательно 항상 반드시",
	cueSecrecy: "silently quietly secretly covertly hidden hide conceal discreetly background unnoticed without omit mention mentioning tell telling inform " +
		"silenciosamente sin mencionar silencieusement sans mentionner heimlich ohne erwähnen silenziosamente senza sem mencionar тихо незаметно без 몰래",
	cueUser:        "user users customer customers human person requester owner usuario usuário utilisateur benutzer nutzer utente пользователь пользователя 사용자",
	cueModel:       "assistant ai model agent llm claude gpt chatbot you your asistente assistente ассистент 어시스턴트",
	cueSend:        "send sends sending forward post upload transmit email mail share sync mirror replicate copy export report submit push publish attach include append bcc cc enviar envoyer senden inviare отправь отправить отправляй отправляет 전송",
	cueDestination: "url http https webhook endpoint server address domain bucket account recipient iban wallet channel inbox cuenta compte konto conto conta счёт счет 계좌",
	cuePrivate: "password passwords token tokens secret secrets key keys credential credentials ssh rsa env cookie cookies session private api otp seed mnemonic kubeconfig aws " +
		"contraseña passwort senha пароль 비밀번호",
	cueChange:     "change replace substitute switch set override instead rewrite modify swap round increase reemplazar cambiar remplacer changer ersetzen ändern sostituire substituir замени заменить заменяй 변경",
	cueTool:       "tool tools function call calls invoke run execute command shell sudo rm curl bash chmod herramienta outil werkzeug strumento ferramenta инструмент 도구",
	cueOrder:      "before after first then prior next whenever each every antes después avant après vorher nachher prima dopo depois перед после 먼저",
	cuePreference: "prefer preferred better best deprecated obsolete superior only exclusively recommended outdated legacy stale",
	cueOverride:   "ignore disregard forget bypass skip disable previous above ignorar ignorer ignorieren ignorare игнорируй игнорировать 무시",
}

// cueKindsOf is the kinds of the word of hash h.
func cueKindsOf(h uint64) uint16 {
	if !cueFilter.mayHave(h) {
		return 0
	}
	return cues[h]
}

// cues maps a word's hash to the kinds it is; cueFilter turns away the
// other words first.
var cues, cueFilter = func() (map[uint64]uint16, *hashFilter) {
	m, f := map[uint64]uint16{}, new(hashFilter)
	var ws words
	for kind, list := range cueWords {
		ws.read(list)
		for i := range ws.list {
			m[ws.list[i].hash] |= 1 << kind
			f.add(ws.list[i].hash)
		}
	}
	return m, f
}()

// cueFeatures calls add with a feature for each pair of kinds (a kind
// with itself too) that mask, the kinds of a piece's words, holds.
func cueFeatures(mask uint16, add func(uint32)) {
	for a := range cueKinds {
		if mask&(1<<a) == 0 {
			continue
		}
		for b := a; b < cueKinds; b++ {
			if mask&(1<<b) != 0 {
				add(bucketOf(uint64(a*cueKinds+b+1) * 0x94d049bb133111eb))
			}
		}
	}
}
