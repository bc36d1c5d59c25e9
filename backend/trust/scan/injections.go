package scan

// Phrase rules for what a tool's result carries to the model: letters
// addressed to it, overrides, to-do lists planted for it, requests to call
// tools or send data. Results hold honest text of every kind (mail, docs,
// chats, code), so these speak of the model as the reader, or pair a
// request with what makes it one.

const (
	addressed = "text addressed to the model (or claiming to be the user's) inside what a tool returned"
	override  = "text that tries to replace the model's instructions or task"
	planted   = "a list of tasks planted for the model"
	toolUse   = "asks the model to call tools or take actions it was not asked to"
)

// aiWords name the model as a reader; product names (Claude, Copilot) are
// left out, since documentation names them all the time.
const aiWords = `[ai|assistant|assistants|agent|agents|llm|llms|chatbot|ai assistant|ai agent|language model|ai model|autonomous agent|automated agent]`

var injectionRules = []phraseRule{
	// Letters to the model, or from "the user".
	{"addressed-letter", High, addressed, `[dear|attention|hey|hello|hi|greetings|message for|note to|message to|memo to|letter to|instructions for|notice to|reminder for|reminder to] ~2 ` + aiWords},
	{"addressed-letter", Medium, addressed, `[if|when] you are [an|a] ~2 ` + aiWords},
	{"addressed-letter", High, addressed, aiWords + ` ~2 [reading|processing|summarizing|summarising|parsing|browsing|viewing|handling] ~2 [this|these|the following]`},
	{"addressed-letter", High, addressed, `[i am|im|this is|it is|its] ~1 your ~1 [user|owner|admin|administrator|operator|developer|creator|principal|boss]`},
	{"addressed-letter", High, addressed, `[the user|your user|your owner|the owner|your principal|your operator] ~2 [wants|asked|asks|needs|requests|requested|authorized|authorised|instructed|requires|approved|has approved|would like] ~1 you to`},
	// The same letters in other languages: written to the assistant (a
	// dative, "to the AI assistant"), not naming one, which docs about AI
	// do in every language.
	{"addressed-letter", Medium, addressed, `[al|para el|para la|ao|para o|à|au|pour] ~1 [asistente|assistente|lassistant|assistant|agente|lagent] ~2 [ia|de ia|virtual|virtuale|virtuel|numérique|inteligente|intelligente]`},
	{"addressed-letter", Medium, addressed, `[allassistente|allagente] ~2 [ia|virtuale|intelligente]`},
	{"addressed-letter", Medium, addressed, `[an|für] [den|die|das] ~1 ki ~1 [assistent*|agent*]`},
	{"addressed-letter", Medium, addressed, `[для|до] ~1 [ии|ші|ai] ~1 [ассистента|асистента|агента]`},
	{"addressed-letter", Medium, addressed, `[致|给|給] ~4 [助手|代理]`},
	{"addressed-letter", Medium, addressed, `[アシスタントへ|エージェントへ]`},
	{"addressed-letter", Medium, addressed, `ai [에이전트에게|어시스턴트에게]`},
	{"addressed-letter", Medium, addressed, `للمساعد الذكي`},
	{"addressed-letter", High, addressed, `[message|note|instruction*] from ~1 [the user|your user|the owner|your owner|the administrator|your administrator|the developer|anthropic|openai]`},

	// Overrides.
	{"override", High, override, `[disregard|ignore|forget|discard|skip] ~3 [everything|anything|all|whatever] ~3 [above|before|previous|prior|earlier|else|so far|until now|you were told|you were asked|you have been told]`},
	{"override", High, override, `[disregard|ignore|forget|discard] ~3 [your|all|any|the|those|these|previous|prior|earlier|original|current] ~2 [instructions|instruction|rules|guidelines|directives|system prompt|programming|training|restrictions|constraints|guardrails|orders|task|tasks|policies|safety]`},
	{"override", High, override, `your ~1 [new|real|actual|true|updated|revised|only] ~1 [task|tasks|instructions|objective|goal|role|mission|job|priority|assignment|directive|orders] ~1 [is|are|now|follow*]`},
	{"override", High, override, `[the real|the actual|your real|your actual|the true|the hidden] ~1 [request|task|instruction*|goal|job|question|assignment]`},
	{"override", High, override, `[admin|administrator|system|developer|root|god|jailbreak|dan] [override|mode enabled|mode activated|mode on]`},
	{"override", High, override, `[user|customer|they|he|she] ~2 changed ~1 [their|his|her|the] mind`},
	{"override", Medium, override, `[stop|abandon|drop|pause|cancel|halt] ~3 [working on|what you are doing|your current task|the current task|this task|the task|your task|your work|the summary|summarizing|summarising]`},
	{"override", Medium, override, `[from now on|henceforth|going forward|for the rest of this|instead] ~3 you ~2 [must|should|will|shall|need to|have to|are to|are required to]`},
	{"override", Medium, override, `[new|updated|revised|additional|supplementary|amended] ~1 [instructions|instruction|directive*|orders|policy] ~2 [for|to] ~2 ` + aiWords},

	// Tasks planted for the model.
	{"task-list", High, planted, `[next steps|next step|tasks|task|todo|to do|to dos|todos|action items|action item|checklist|instructions|actions|steps|assignment|pending actions] ~1 for ~2 [the|you|this|any|our] ~1 ` + aiWords},
	{"task-list", High, planted, `[your|the|for|to] ~1 ` + aiWords + ` ~1 [tasks|todo|to do|action items|checklist|instructions|steps]`},
	{"task-list", High, planted, aiWords + ` ~2 [your|the] ~1 [tasks|todo|to do|action items|checklist|next steps|steps] [are|is|for today]`},
	{"task-list", Medium, planted, `[action required|todo|to do|required action|mandatory action|required step|next step|next steps] ~1 [send*|forward*|email*|upload*|post*|delete*|transfer*|share*|export*|disable*|grant*|wire*|pay*|reset*|remov*|add the key|add key|invite*|make public|publish*]`},

	// Tool use and actions nobody asked for.
	{"tool-hijack", High, toolUse, aiWords + ` ~3 [should|must|needs to|need to|is to|are to|has to|have to|is required to|are required to|is expected to|are expected to] ~1 [call|invoke|trigger]`},
	{"tool-hijack", High, toolUse, `[for|note for|note to|instructions for|action for|fix for|message for|message to] ~3 ` + aiWords + ` ~10 [call|invoke|calling|invoking]`},
	{"tool-hijack", High, toolUse, `[pour|para|per|für|dla|untuk|voor|для|cho] ~3 [lassistant|assistant|assistants|asistente|asistentes|assistente|assistentes|assistenti|asisten|asystenta|assistenten|ассистента|ассистентов|агента|trợ lý] ~10 ` +
		`[appelez|appelle|appeler|chame|chamar|llame|llama|llamar|invoca|invocar|chiama|chiamare|chiamate|rufen|rufe|aufrufen|wywołaj|wywołać|panggil|roep|aanroepen|вызови|вызовите|вызвать|gọi]`},
	{"tool-hijack", High, toolUse, `[致|给|給] ~8 助手 ~10 [调用|調用]`},
	{"tool-hijack", Medium, toolUse, `[delete|remove|wipe|drop|erase|transfer|wire|merge|approve|grant|revoke|disable|rotate|publish|deploy|push|forward|share|invite] ~8 [immediately|right away|at once|without asking|without confirmation|without confirming|silently|before replying|before responding|before answering|before you answer|before you reply]`},
	{"tool-hijack", Medium, toolUse, `[without|no need] ~2 [asking|confirming|checking|confirmation|approval|permission] ~2 [me|the user|again|first|anyone]`},

	// A private key asked for in the reply: docs name ~/.ssh honestly (so
	// results read it Low), but not to be pasted back.
	{"exfil", High, sending, `[` + keyPaths + `] ~10 [into|in|inside|within] ~2 [your|the|this] ~1 [reply|answer|response|chat|conversation|summary|output]`},
	{"exfil", High, sending, `[` + keyPaths + `] ~10 [paste*|print*|show*|output*|return*|include*|echo*] ~2 [here|below|back]`},

	// Sending data out, said in a result.
	{"exfil", High, sending, `[send|forward|email|upload|post|paste|share|export|transmit|leak|exfiltrate|reply] ~8 [contact list|contacts|address book|inbox|emails|messages|conversation|chat history|credentials|passwords|api keys|tokens|secrets|private keys|ssh key*|kube config|.kube config|.ssh|.env|cookies|session|documents|files|attachments|database|customer data|personal data] ~8 [to|at|via|into] ~3 [https|http|url|webhook*|endpoint|server|address|email|pastebin|discord|telegram|bucket|inbox|this address|the following address|me]`},
}

func resultRules() []phraseRule {
	var rules []phraseRule
	for _, r := range directives {
		// Docs say "export your API key" and "copy .env.example to .env":
		// of the requests for private files, results are read for keys.
		if r.id != "sensitive-file" || r.reason == privateFile+"." {
			if r.id == "sensitive-file" {
				r.severity = Low // man pages and SSH guides read ~/.ssh; asking for it back is exfil
			}
			rules = append(rules, r)
		}
	}
	// Of the definition families, only hijacking every answer is as much
	// an injection in a result: docs say "regardless of which method you
	// choose" and "do not prompt for confirmation" honestly.
	for _, r := range familyRules {
		if r.id == "call-order" && r.reason == hijacking {
			rules = append(rules, r)
		}
	}
	return append(rules, injectionRules...)
}
