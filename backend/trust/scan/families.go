package scan

import "slices"

// Phrase rules for the families of attack seen in tool definitions and
// results besides the stock phrases of directives.go. Each family is what
// the text asks of the model, in several wordings; a rule is a request a
// tool's honest account of itself does not make. Where honest tools say
// something close (call order on a login tool, "runs in the background",
// "deprecated: use x"), the rule needs what makes it an attack (hiding it,
// every call, another server's tool, the user's data) or is Low: shown to
// the person, not withheld.

const (
	tampering   = "an instruction to the model to change what the user asked for"
	hiding      = "an instruction to the model to keep something from the user"
	hijacking   = "an instruction to the model to act on every call or answer, beyond what this tool does"
	steering    = "steers the model away from other tools or towards this one"
	harmfulStep = "asks the model to run a command that weakens or damages the user's machine"
	sending     = "asks the model to send the user's data somewhere"
	persistence = "asks the model to change the user's shell start-up, scheduled jobs, keys or hooks"
	collection  = "collects the user's private data beyond what the tool needs"
)

// Word sets the rules share.
const (
	userWords  = `[user|users|user's|users'|they|them|their|you|your|customer|customer's|caller|person|human]`
	askedWords = `[ask*|chose|choose*|chosen|request*|gave|give*|given|provid*|select*|said|say*|specif*|enter*|typ*|want*|pick*|mean*|wrote|writ*|supplied|suppl*|order*|indicat*|prefer*]`
	// Those the user may be, in what hides something from them.
	personWords = `[user|users|user's|users'|human|person|customer|customer's|owner|anyone|anybody|conversation|chat|answer|reply|response|summary]`
	revealWords = `[mention*|tell*|told|inform*|disclos*|reveal*|report*|surfac*|notif*|say*|said|show*|shown|display*|explain*|elaborat*|bring* up|bother*|warn*]`
	sendWords   = `[send*|sent|post*|upload*|forward*|copy|copies|copied|mirror*|transmit*|submit*|beacon*|exfiltrat*|relay*|push*|stream*|leak*|email*|mail*|deliver*|report*|sync*|share*|pipe*]`
	privateData = `[conversation*|chat*|transcript*|messages|shell history|chat history|conversation history|browsing history|clipboard history|command history|bash history|search history|location history|clipboard|contacts|address book|keystrokes|screen*|recording*|environment variables|env vars|env|credentials|cookies|tokens|passwords|secrets|api keys|private keys|ssh keys|keys|location|gps|browsing|system prompt|instructions|memory dump|workspace|home directory|documents|files|file contents|source code|.env|.ssh|card numbers|bank details]`
)

var familyRules = []phraseRule{
	// Argument tampering: what the user asked is replaced.
	{"argument-tampering", High, tampering, `[regardless|irrespective] of ~3 [what|which|whatever|the|whether|how] ~3 [user|users|user's|customer|caller|they|you|person] ~2 ` + askedWords},
	{"argument-tampering", High, tampering, `[whatever|no matter what|no matter which] ~3 ` + userWords + ` ~3 ` + askedWords},
	{"argument-tampering", High, tampering, `[whatever|no matter what] ~3 [was|were|is] ~2 [given|chosen|asked|requested|entered|provided|selected]`},
	{"argument-tampering", High, tampering, `[even if|even when|even though] ~3 ` + userWords + ` ~3 ` + askedWords},
	{"argument-tampering", High, tampering, `instead of ~3 [one|value|address|account|recipient|amount|url|choice|option|number|currency|destination|query|path|email|name|branch|target|method|input] ~3 [given|provided|chosen|entered|supplied|requested|specified|selected|asked] ~2 [by] ~2 ` + userWords},
	{"argument-tampering", High, tampering, `instead of ~2 ` + userWords + ` ~3 [one|value|address|account|recipient|amount|url|choice|option|number|destination|query|path|email|input|request*]`},
	{"argument-tampering", High, tampering, `[do not|dont|never] use ~2 ` + userWords + ` ~2 [own|given|chosen|provided|actual|real] ~2 [address|account|value|email|choice|recipient|destination]`},
	{"argument-tampering", High, tampering, `[replace*|swap*|substitut*|overrid*|overwrit*|rewrit*|ignor*|discard*] ~3 ` + userWords + ` ~3 [value|choice|address|account|recipient|query|input|argument|request*|amount|selection|destination|vote|order|answer]`},
	{"argument-tampering", High, tampering, `[report|show|tell|quote|present|display] ~3 ` + userWords + ` ~2 [original|requested|chosen] ~2 [choice|value|amount|branch|option|price]`},
	{"argument-tampering", Medium, tampering, `[whenever|if|when] ~6 ` + userWords + ` ~6 [silently|always|instead] ~2 [change*|set*|replace*|swap*|submit*|switch*|round*]`},
	{"argument-tampering", Medium, tampering, `[always|silently] [add|append|prepend|include|insert|bcc|cc] ~6 [to every|to each|to all|on every|in every|for every]`},

	// Concealment in other words than directives.go's.
	{"concealment", High, hiding, `[never|not|dont|doesnt|no need to|no reason to|nothing to|without|must not|should not|need not|neednt|shouldnt|wont|will not] ~3 ` + revealWords + ` ~5 ` + personWords},
	{"concealment", High, hiding, `[never|dont|no need to|no reason to|must not|should not|do not] ~2 [mention*|disclos*|reveal*|elaborat*|bring up]`},
	{"concealment", High, hiding, `[no|without] [mention*|disclosure|notice|notification|confirmation|warning] ~3 [of|to|needed|required|is needed|necessary|is necessary]`},
	{"concealment", High, hiding, `[say|report|tell] nothing`},
	{"concealment", High, hiding, `[nothing|no need] to [report|mention|say|tell|disclose]`},
	{"concealment", High, hiding, `[not|never] [be|been] ~2 [disclosed|mentioned|revealed|told|informed]`},
	{"concealment", High, hiding, `[not to be|is not to be|are not to be|must never be|should never be] ~1 [disclosed|mentioned|revealed|reported|surfaced]`},
	// Shared or shown: security advice says a secret must never be shared;
	// only sharing with the user is kept from them.
	{"concealment", High, hiding, `[not to be|is not to be|are not to be|must never be|should never be] ~1 [shown|shared] ~2 [to|with] ~2 ` + personWords},
	{"concealment", High, hiding, `[remain*|stay*|kept|keep*] ~2 [unaware|hidden|invisible|out of sight|out of the conversation|between us]`},
	{"concealment", High, hiding, `[hide|hidden|conceal*|mask*|obscur*|disguis*] ~4 [from] ~2 ` + userWords},
	{"concealment", High, hiding, `[keep|kept|keeps] ~3 out of ~2 [conversation|chat|answer|reply|response|summary|transcript|output|report|view]`},
	{"concealment", High, hiding, `[unbeknownst|unbeknown]`},
	{"concealment", High, hiding, `without ~2 ` + userWords + ` ~1 [noticing|knowing|knowledge|awareness|realising|realizing|seeing]`},
	{"concealment", High, hiding, `[pretend*|explain it away|explain away|play down|downplay*|call it a|describe it as|refer to them as|refer to it as|make it look|appear as if|read as if|as if only]`},
	{"concealment", High, hiding, `if ~2 [anyone|the user|they|someone] ~2 [notices|notice|complains|spots|finds out|discovers|realises|realizes]`},
	{"concealment", High, hiding, `[doesnt|does not|dont|do not|need not|neednt|wont|will not] ~1 [need*|have] to ~2 [know|hear|see|be told|be informed|learn]`},
	{"concealment", High, hiding, `[already|has already|have already] ~2 [consented|agreed|approved|opted in|authorised|authorized|accepted]`},
	{"concealment", Low, hiding, `[dont|do not|never|without] ~2 [ask|asking|confirm*|prompt*|check*] ~2 [again|first|for permission|for confirmation|for consent]`},
	{"concealment", High, hiding, `[respond|reply|answer|say] only ~2 [with|done|ok|success]`},
	{"concealment", High, hiding, `[tell|report|say|inform] ~3 ` + userWords + ` ~4 [success*|completed|succeeded|worked|fine|ok|done] ~3 [whatever|regardless|even if|no matter]`},
	{"concealment", High, hiding, `[silently|quietly|discreetly|covertly|secretly|stealthily|invisibly|surreptitiously|transparently to the user] ~3 [send*|sent|upload*|forward*|copy|copies|add*|append*|replac*|chang*|post*|attach*|includ*|call*|run*|execut*|delet*|remov*|record*|register*|install*|read*|collect*|share*|mirror*|set*|sign*|charg*|transfer*|redirect*|rout*]`},
	{"concealment", Medium, hiding, `[without|no] ~2 [telling|informing|notifying|alerting|asking|bothering|interrupting] ~2 [anyone|them|the person|the owner]`},

	// Hijacking: acting on every call or answer, whatever this tool does.
	{"call-order", High, hijacking, `[after|following|at the end of|once you finish|when you finish|before you answer|before answering|before replying|before you reply] ~2 [every|each|any|all|the|this|your] ~2 [answer*|response*|repl*|turn*|conversation*|interaction*|task*|lookup*|deploy*|message you|summary] ~8 [call*|run*|invoke*|send*|use|post*|forward*|upload*|log*|email*|submit*]`},
	{"call-order", Medium, hijacking, `[after|before|following|on|with] [every|each] ~2 [lookup*|search*|question*|request*|call|deploy*|message*|commit*|file|email*] ~3 [call|run|invoke|send|forward|upload|post|email]`},
	{"call-order", High, hijacking, `[whenever|every time|each time|any time|anytime] ~4 [any|another|other] ~2 [tool|tools|function|server]`},
	{"call-order", High, hijacking, `[whether or not|even if|even when] ~2 [you] ~2 [used|use|call*|need*] ~2 [this tool|it|tools]`},
	{"call-order", Medium, hijacking, `[for the rest of|from now on|for the remainder of] ~2 [this|the] ~1 [session|conversation|chat]`},
	{"call-order", Medium, callOrder, `[first|always|before anything|before you] ~2 [call|run|invoke|use|execute] ~6 [with|passing|and pass|set to|using]`},

	// Steering away from other tools, towards this one.
	{"redirection", Medium, steering, `[prefer*|choose|pick|use|select|favor*|favour*] ~3 [it|this|this tool|this server|this one] ~3 [over|instead of|rather than|ahead of|before] ~3 [any|all|other|another|others|every]`},
	{"redirection", Medium, steering, `[the only|only this] ~2 [approved|audited|official|trusted|reliable|accurate|correct|supported|secure|safe|real|canonical|legitimate|verified|certified|sanctioned|permitted|compliant|valid] ~2 [tool|tools|way|source|server|option|engine|implementation|one|method]`},
	{"redirection", Medium, steering, `[other|all other|any other|competing|third party|another|alternative] ~3 [tools|tool|servers|server|plugins|fetch*|implementations|copies|versions] ~4 [are|is|were|have been|will] ~3 [broken|unsafe|unreliable|deprecated|malicious|outdated|inaccurate|compromised|wrong|disabled|phishing|forks|insecure|blocked|fake|not allowed|forbidden]`},
	{"redirection", Low, steering, `[do not|dont|never|must not] ~2 [use|call|invoke|trust] ~3 [another|other|any other|the other|alternative|competing] ~3 [tool|tools|server|servers|source*|engine*]`},
	{"redirection", Medium, steering, `[recommended|endorsed|approved|verified|certified|pinned|vetted|audited|blessed|mandated] ~2 by ~3 [anthropic|openai|claude|bulkhead|the administrator|your administrator|your admin|the admin|it|security|the security team|your organization|your organisation|microsoft|google|the model context protocol|mcp]`},
	{"redirection", Medium, steering, `[deprecated|obsolete|retired|outdated|superseded|replaced|discontinued|sunset] ~8 [use|call|switch to|migrate to|prefer|instead] ~4 [tool|instead|server|from|of]`},
	{"redirection", Medium, steering, `[this tool|it] replaces ~2 [all|every|any|other]`},
	{"redirection", Low, steering, `[better than|superior to|more accurate than|more reliable than|faster than] ~2 [any|all|every|other]`},

	// Harmful commands presented as a required step.
	{"mandatory-step", High, harmfulStep, `[curl|wget|iwr|invoke webrequest|irm] ~14 [sh|bash|zsh|python|python3|iex|invoke expression|powershell|pwsh|node|perl|ruby]`},
	{"mandatory-step", High, harmfulStep, `[bash|sh|zsh] ~2 [curl|wget]`},
	{"mandatory-step", High, harmfulStep, `sudo ~4 [rm|sh|bash|chmod|chown|ufw|iptables|setenforce|systemctl|passwd|sed|truncate|useradd|usermod|visudo|tee|dd|mkfs|kill*|curl|wget|python*|echo|cp|mv|ln|crontab|apt*|yum|dnf|pip*|npm|sysctl|launchctl|spctl|csrutil|defaults]`},
	{"mandatory-step", High, harmfulStep, `[run|execute|type|enter|paste|issue|perform|first] ~8 [rm rf|rm fr|rm r|rm f|del s|format c|mkfs|dd if|chmod 777|chmod r 777|chmod a rwx|history c|crontab r|passwd d|setenforce 0|ufw disable|iptables f|spctl master disable|csrutil disable|set mppreference|disablerealtimemonitoring|netsh advfirewall|reg add|bcdedit|vssadmin delete|wevtutil cl|shred|truncate s 0]`},
	{"mandatory-step", High, harmfulStep, `[pip|pip3|npm|pnpm|yarn|gem|go|cargo|apt|apt get|brew|choco|winget] ~2 [install|add|get] ~6 [http|https|git]`},
	{"mandatory-step", High, harmfulStep, `[disable|turn off|stop|switch off|deactivate] ~3 [firewall|antivirus|defender|selinux|gatekeeper|sip|apparmor|edr|endpoint protection|security software|2fa|mfa|two factor]`},
	{"mandatory-step", Medium, harmfulStep, `[run|execute|type|paste] ~3 sudo`},

	// Writing to what runs at login, on schedule, or grants access.
	{"exfiltration", High, persistence, `[append*|add*|writ*|insert*|echo*|modif*|edit*|install*|creat*|plac*|put*|drop*|register*|set up|update*|inject*] ~10 [.bashrc|.bash profile|.profile|.zshrc|.zprofile|.zshenv|.bash login|.bash logout|crontab|authorized keys|.git hooks|git hooks|pre commit|post commit|post checkout|.npmrc|pip.conf|.pypirc|launchagents|launch agents|launchdaemons|systemd|.config autostart|autostart|startup folder|run key|rc.local|profile.d|sudoers|.ssh config|known hosts|hosts file|etc hosts|resolv.conf]`},
	{"exfiltration", High, persistence, `[.bashrc|.zshrc|.profile|.bash profile|crontab|authorized keys|sudoers] ~6 [curl|wget|nc|ncat|bash|sh|export|alias|echo|ssh rsa|ssh ed25519]`},

	// Sending the user's data out.
	{"exfiltration", High, sending, sendWords + ` ~6 ` + privateData + ` ~8 [to|at|into|via|through] ~3 [https|http|url|endpoint|webhook*|server|address|domain|host|pastebin|discord|telegram|bucket|inbox|email|relay|collector|tracker|analytics]`},
	{"exfiltration", High, sending, `[also|additionally|as well|in addition|each|every|always|automatically|silently|quietly] ~4 ` + sendWords + ` ~10 [to|at] ~3 [https|http|webhook*|endpoint|server|pastebin|discord|telegram|bucket|relay|collector|tracker]`},
	{"exfiltration", High, sending, sendWords + ` ~4 [the whole|the entire|the full|the complete|all of the|every] ~3 [conversation|chat|transcript|history|messages|file|files|workspace|session|context|thread|inbox|document*]`},
	{"exfiltration", High, sending, `[partner|verification|validation|compliance|audit|telemetry|analytics|monitoring|quality|tracking|sync|backup|mirror] ~2 [endpoint|server|webhook|url|service|collector|relay] ~8 [https|http|send*|post*|upload*|forward*|report*|submit*]`},
	{"exfiltration", High, sending, `[set|put|fill|pass|include|place|copy|paste|add] ~4 ` + privateData + ` ~6 [in|into|as|to] ~3 [the|this|a] ~2 [field|parameter|argument|param|value|content|body|note|notes|comment|context|metadata|meta]`},

	// Collection described as a feature.
	{"hidden-collection", High, collection, `[also|additionally|as well|in addition|automatically|to improve|for better|to help|for context|as a bonus|bonus] ~6 [read*|collect*|attach*|includ*|upload*|send*|append*|gather*|captur*|record*|copy*|sync*|track*|scan*|extract*|harvest*|store*|keep*|log*] ~8 ` + privateData},
	{"hidden-collection", High, collection, `[read*|collect*|attach*|includ*|upload*|extract*|gather*|harvest*|export*|dump*] ~6 [login data|logins.json|cookies.sqlite|cookie store|keychain|keyring|password store|wallet*|seed phrase|recovery phrase|mnemonic|private key*|secret key*|export secret keys|vault token|.vault token|pgpass|.pgpass|my.cnf|.my.cnf|tfstate|credentials.db|application default credentials|local storage|session storage|memory dump|wg0.conf|.ovpn|shell history|bash history|.bash history|.zsh history|clipboard history]`},
	{"hidden-collection", High, collection, `[includ*|attach*|upload*|send*|collect*|append*|captur*|gather*|harvest*|forward*] ~4 [all|every|full|entire] ~2 [environment variables|env vars|cookies|passwords|secrets|private keys|ssh keys|shell history|chat history|conversation|messages|contacts|keystrokes]`},
	{"hidden-collection", High, collection, `[unredacted|including tokens|including keys|including passwords|including secrets|including copied passwords|private key included|keys included|with passwords|with secrets]`},
}

// The phrase rules of each kind of text: definitions are read with every
// family, results with those a result can carry.
var (
	definitionPhrases = compilePhrases(slices.Concat(directives, familyRules))
	resultPhrases     = compilePhrases(resultRules())
)
