package manage

import "launchgraph/internal/intl"

// texts are the words of the manage page in one language.
type texts struct {
	Dir        string // "ltr" or "rtl"
	Name       string // the language's own name, for the language links
	Title      string
	Launch     string
	When       string
	LocalTime  string // "%s" is the launch's zone
	AllDay     string
	Where      string
	Online     string
	Status     string
	Position   string
	Calendar   string
	Cancel     string
	Confirm    string
	Button     string
	Cancelled  string
	Closed     string // the registration can no longer be cancelled
	NotFound   string
	NoToken    string
	Forbidden  string
	Unconfirm  string // the confirmation box was not ticked
	Languages  string
	Statuses   map[string]string
	Footer     string
	Registrant string
}

// languages are the six UN languages in the order the page lists them (the UN's).
var languages = intl.UNLanguages

// catalog holds the texts of the six UN languages; English is the fallback.
var catalog = map[string]texts{
	"en": {
		Dir: "ltr", Name: "English", Title: "Manage your registration", Launch: "Launch", When: "When",
		LocalTime: "local time, %s", AllDay: "all day", Where: "Where", Online: "Online",
		Status: "Status", Position: "Waitlist position", Calendar: "Add to your calendar (.ics)",
		Cancel: "Cancel your registration", Confirm: "Yes, cancel my registration for this launch",
		Button: "Cancel registration", Cancelled: "Your registration has been cancelled.",
		Closed:    "This registration can no longer be cancelled.",
		NotFound:  "This link is not valid: the registration was not found. Use the link in your latest email.",
		NoToken:   "Open this page with the link in your registration email.",
		Forbidden: "The request did not come from this page; nothing was changed.",
		Unconfirm: "Tick the box to confirm the cancellation.", Languages: "Language",
		Statuses: map[string]string{"CONFIRMED": "confirmed", "PENDING": "awaiting approval", "WAITLISTED": "waitlisted",
			"REJECTED": "declined", "CANCELLED": "cancelled"},
		Footer: "COP 2020 Guidelines Regional Launches", Registrant: "Registered as",
	},
	"fr": {
		Dir: "ltr", Name: "Français", Title: "Gérer votre inscription", Launch: "Lancement", When: "Quand",
		LocalTime: "heure locale, %s", AllDay: "toute la journée", Where: "Où", Online: "En ligne",
		Status: "Statut", Position: "Position sur la liste d'attente", Calendar: "Ajouter à votre agenda (.ics)",
		Cancel: "Annuler votre inscription", Confirm: "Oui, annuler mon inscription à ce lancement",
		Button: "Annuler l'inscription", Cancelled: "Votre inscription a été annulée.",
		Closed:    "Cette inscription ne peut plus être annulée.",
		NotFound:  "Ce lien n'est pas valide : l'inscription est introuvable. Utilisez le lien de votre dernier courriel.",
		NoToken:   "Ouvrez cette page avec le lien de votre courriel d'inscription.",
		Forbidden: "La demande ne provient pas de cette page ; rien n'a été modifié.",
		Unconfirm: "Cochez la case pour confirmer l'annulation.", Languages: "Langue",
		Statuses: map[string]string{"CONFIRMED": "confirmée", "PENDING": "en attente d'approbation", "WAITLISTED": "liste d'attente",
			"REJECTED": "refusée", "CANCELLED": "annulée"},
		Footer: "Lancements régionaux des Lignes directrices COP 2020", Registrant: "Inscrit au nom de",
	},
	"es": {
		Dir: "ltr", Name: "Español", Title: "Gestionar su inscripción", Launch: "Lanzamiento", When: "Cuándo",
		LocalTime: "hora local, %s", AllDay: "todo el día", Where: "Dónde", Online: "En línea",
		Status: "Estado", Position: "Posición en la lista de espera", Calendar: "Añadir a su calendario (.ics)",
		Cancel: "Cancelar su inscripción", Confirm: "Sí, cancelar mi inscripción en este lanzamiento",
		Button: "Cancelar la inscripción", Cancelled: "Su inscripción ha sido cancelada.",
		Closed:    "Esta inscripción ya no se puede cancelar.",
		NotFound:  "Este enlace no es válido: no se encontró la inscripción. Use el enlace de su último correo.",
		NoToken:   "Abra esta página con el enlace de su correo de inscripción.",
		Forbidden: "La solicitud no procede de esta página; no se ha cambiado nada.",
		Unconfirm: "Marque la casilla para confirmar la cancelación.", Languages: "Idioma",
		Statuses: map[string]string{"CONFIRMED": "confirmada", "PENDING": "pendiente de aprobación", "WAITLISTED": "en lista de espera",
			"REJECTED": "rechazada", "CANCELLED": "cancelada"},
		Footer: "Lanzamientos regionales de las Directrices COP 2020", Registrant: "Inscrito a nombre de",
	},
	"ru": {
		Dir: "ltr", Name: "Русский", Title: "Управление регистрацией", Launch: "Мероприятие", When: "Когда",
		LocalTime: "местное время, %s", AllDay: "весь день", Where: "Где", Online: "Онлайн",
		Status: "Статус", Position: "Место в листе ожидания", Calendar: "Добавить в календарь (.ics)",
		Cancel: "Отменить регистрацию", Confirm: "Да, отменить мою регистрацию на это мероприятие",
		Button: "Отменить регистрацию", Cancelled: "Ваша регистрация отменена.",
		Closed:    "Эту регистрацию уже нельзя отменить.",
		NotFound:  "Ссылка недействительна: регистрация не найдена. Воспользуйтесь ссылкой из последнего письма.",
		NoToken:   "Откройте эту страницу по ссылке из письма о регистрации.",
		Forbidden: "Запрос отправлен не с этой страницы; ничего не изменено.",
		Unconfirm: "Отметьте флажок, чтобы подтвердить отмену.", Languages: "Язык",
		Statuses: map[string]string{"CONFIRMED": "подтверждена", "PENDING": "ожидает одобрения", "WAITLISTED": "в листе ожидания",
			"REJECTED": "отклонена", "CANCELLED": "отменена"},
		Footer: "Региональные презентации Руководящих принципов COP 2020", Registrant: "Зарегистрирован(а) как",
	},
	"zh": {
		Dir: "ltr", Name: "中文", Title: "管理您的报名", Launch: "发布活动", When: "时间",
		LocalTime: "当地时间，%s", AllDay: "全天", Where: "地点", Online: "线上",
		Status: "状态", Position: "候补位置", Calendar: "添加到日历（.ics）",
		Cancel: "取消报名", Confirm: "是的，取消我对本次活动的报名",
		Button: "取消报名", Cancelled: "您的报名已取消。",
		Closed:    "此报名已无法取消。",
		NotFound:  "此链接无效：未找到该报名。请使用您最近一封邮件中的链接。",
		NoToken:   "请通过报名邮件中的链接打开此页面。",
		Forbidden: "该请求并非来自此页面，未做任何更改。",
		Unconfirm: "请勾选复选框以确认取消。", Languages: "语言",
		Statuses: map[string]string{"CONFIRMED": "已确认", "PENDING": "待审批", "WAITLISTED": "候补中",
			"REJECTED": "未获接受", "CANCELLED": "已取消"},
		Footer: "COP 2020 指南区域发布活动", Registrant: "报名人",
	},
	"ar": {
		Dir: "rtl", Name: "العربية", Title: "إدارة تسجيلك", Launch: "الحدث", When: "الموعد",
		LocalTime: "التوقيت المحلي، %s", AllDay: "طوال اليوم", Where: "المكان", Online: "عبر الإنترنت",
		Status: "الحالة", Position: "الترتيب في قائمة الانتظار", Calendar: "أضف إلى تقويمك (.ics)",
		Cancel: "إلغاء تسجيلك", Confirm: "نعم، ألغِ تسجيلي في هذا الحدث",
		Button: "إلغاء التسجيل", Cancelled: "تم إلغاء تسجيلك.",
		Closed:    "لم يعد من الممكن إلغاء هذا التسجيل.",
		NotFound:  "هذا الرابط غير صالح: لم يُعثر على التسجيل. استخدم الرابط الوارد في أحدث رسالة إليك.",
		NoToken:   "افتح هذه الصفحة عبر الرابط الوارد في رسالة التسجيل.",
		Forbidden: "لم يصدر الطلب من هذه الصفحة؛ لم يتغير شيء.",
		Unconfirm: "ضع علامة في المربع لتأكيد الإلغاء.", Languages: "اللغة",
		Statuses: map[string]string{"CONFIRMED": "مؤكد", "PENDING": "بانتظار الموافقة", "WAITLISTED": "في قائمة الانتظار",
			"REJECTED": "مرفوض", "CANCELLED": "ملغى"},
		Footer: "الإطلاقات الإقليمية لمبادئ COP 2020 التوجيهية", Registrant: "مسجّل باسم",
	},
}
