package scan

// Reasons shared by the rules below.
const (
	concealOrOverride = "an instruction to the model to hide something from the user or override its instructions"
	callOrder         = "an instruction to the model about other tools or the order of calls"
	privateFile       = "asks for a private file: keys, credentials or a client's configuration"
)

// Verbs that move or read data, for the credential rules.
const (
	accessVerbs   = `[read*|cat|open*|include*|send*|pass*|upload*|attach*|paste*|copy|copies|provide*|extract*|exfiltrat*|export*|dump*|lee|leer|envía|envia|incluye|lire|envoie|lies|sende|读取|发送]`
	transferVerbs = `[send*|pass*|include*|upload*|attach*|paste*|copy|copies|provide*|export*|dump*|forward*|share*|exfiltrat*|envía|incluye|envoie|sende|发送]`
	keyPaths      = `.ssh|id rsa|id ed25519|id ecdsa|.aws credentials|.netrc|.git credentials|.npmrc|.pypirc|.docker config.json|.kube config|etc shadow|.gnupg|私钥`
	privatePaths  = `[` + keyPaths + `|claude desktop config.json|mcp.json|.env]`
)

// directives are the phrase rules read in every text a model reads, in
// definitions and in results. They are about the reader (the model),
// never about what a tool does, which is what keeps honest descriptions
// clear of them.
var directives = []phraseRule{
	// Hiding from the user, overriding instructions.
	{"model-directive", High, concealOrOverride, `[do not|dont|never|must not|should not|shall not] ~1 [tell|mention|inform|notify|let|alert] ~1 [to the|the] [user|users]`},
	{"model-directive", High, concealOrOverride, `[do not|dont|never] [reveal|show] [this|it] to ~1 [user|users]`},
	{"model-directive", High, concealOrOverride, `without [telling|informing|notifying|asking] the user`},
	{"model-directive", High, concealOrOverride, `the user [must|should] not [know|see|be told]`},
	{"model-directive", High, concealOrOverride, `ignore ~2 [previous|prior|above|earlier|other] [instructions|rules|prompt|prompts]`},
	{"model-directive", High, concealOrOverride, `disregard ~1 [previous|prior|your] [instructions|rules]`},
	{"model-directive", High, concealOrOverride, `[ignora|ignore|ignorez|ignoriere|ignorieren] ~3 [instrucciones|istruzioni|instruções|instructions|anweisungen]`},
	{"model-directive", High, concealOrOverride, `[new|updated|override] system [prompt|instructions]`},
	{"model-directive", High, concealOrOverride, `you are now ~1 [developer|admin|god] mode`},
	{"model-directive", High, concealOrOverride, `no ~1 [digas|informes|menciones] ~1 al usuario`},
	{"model-directive", High, concealOrOverride, `não [conte|diga|informe|mencione] ~1 ao usuário`},
	{"model-directive", High, concealOrOverride, `non [dire|dirlo|informare] ~1 all'utente`},
	{"model-directive", High, concealOrOverride, `ne [dites|dis] rien à l'utilisateur`},
	{"model-directive", High, concealOrOverride, `[sag|sage|sagen] ~1 dem [benutzer|nutzer] nichts`},
	{"model-directive", High, concealOrOverride, `игнорируй* ~2 инструкции`},
	{"model-directive", High, concealOrOverride, `не [говори*|сообщай*] пользователю`},
	{"model-directive", High, concealOrOverride, `忽略 ~6 [指令|指示]`},
	{"model-directive", High, concealOrOverride, `[不要告诉用户|不要让用户知道|以前の指示を無視]`},
	{"model-directive", High, concealOrOverride, `ユーザー ~2 [言わ|伝え|知らせ] ないで`},
	{"model-directive", High, concealOrOverride, `사용자에게 [알리지|말하지] 마*`},
	{"model-directive", High, concealOrOverride, `이전* ~1 지시* ~1 무시*`},

	// Line jumping: the order of calls, other tools, letters to the model.
	{"model-directive", Medium, callOrder, `before ~1 [any|other|another] ~1 [tool|tools]`},
	{"model-directive", Low, callOrder, `before [using|calling|invoking|running] [this|the] ~6 [tool|tools]`},
	{"model-directive", Medium, callOrder, `must ~2 [call|use|invoke] this tool`},
	{"model-directive", Medium, callOrder, `always [call|use|invoke] this tool [first|before]`},
	{"model-directive", Medium, callOrder, `this [tool|instruction] [takes|has] [precedence|priority] over`},
	{"model-directive", Medium, callOrder, `instead of [calling|using] ~2 tool`},
	{"model-directive", Medium, callOrder, `[as an ai|as a ai|dear ai|dear assistant|dear model|dear llm|dear claude|dear agent]`},

	{"sensitive-file", High, privateFile, accessVerbs + ` ~10 ` + privatePaths},
	// For results: install docs name .env and mcp.json honestly.
	{"sensitive-file", High, privateFile + ".", accessVerbs + ` ~10 [` + keyPaths + `]`},
	{"sensitive-file", High, "asks for the user's credentials",
		transferVerbs + ` ~5 [the user's|your|all|any|every|saved|stored] ~3 [api key*|private key*|access token*|token|tokens|password*|secret|secrets|credentials|session cookies|cookies]`},
	{"sensitive-file", High, "asks for the user's credentials", transferVerbs + ` ~5 密码`},
}
