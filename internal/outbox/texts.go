package outbox

import "launchgraph/ent/notification"

// texts are the words of a message in one language.
type texts struct {
	Subjects map[notification.Kind]string // with %s for the launch title
	Intros   map[notification.Kind]string
	Hello    string // with %s for the name
	When     string
	LocalTZ  string
	UTC      string
	Where    string
	Online   string
	Status   string
	Position string
	Manage   string
	Calendar string
	Footer   string
	Statuses map[string]string
}

// catalog holds the texts of the six UN languages; English is the fallback.
var catalog = map[string]texts{
	"en": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "Registration confirmed: %s",
			notification.KindPENDING:    "Registration received, awaiting approval: %s",
			notification.KindWAITLISTED: "You are on the waitlist: %s",
			notification.KindPROMOTED:   "A seat is now yours: %s",
			notification.KindAPPROVED:   "Registration approved: %s",
			notification.KindREJECTED:   "Registration declined: %s",
			notification.KindCANCELLED:  "Registration cancelled: %s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "Your registration is confirmed.",
			notification.KindPENDING:    "We received your registration; the organisers will review it.",
			notification.KindWAITLISTED: "The launch is full: you are on the waitlist and will be told if a seat frees up.",
			notification.KindPROMOTED:   "A seat has freed up and you have moved off the waitlist.",
			notification.KindAPPROVED:   "The organisers approved your registration.",
			notification.KindREJECTED:   "The organisers could not accept your registration.",
			notification.KindCANCELLED:  "Your registration has been cancelled.",
		},
		Hello: "Dear %s,", When: "When", LocalTZ: "local time", UTC: "UTC", Where: "Where", Online: "Online",
		Status: "Status", Position: "Waitlist position", Manage: "Manage your registration",
		Calendar: "The event is attached for your calendar.", Footer: "COP 2020 Guidelines Regional Launches",
		Statuses: map[string]string{"CONFIRMED": "confirmed", "PENDING": "awaiting approval", "WAITLISTED": "waitlisted", "REJECTED": "declined", "CANCELLED": "cancelled"},
	},
	"fr": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "Inscription confirmée : %s",
			notification.KindPENDING:    "Inscription reçue, en attente d'approbation : %s",
			notification.KindWAITLISTED: "Vous êtes sur la liste d'attente : %s",
			notification.KindPROMOTED:   "Une place vous est attribuée : %s",
			notification.KindAPPROVED:   "Inscription approuvée : %s",
			notification.KindREJECTED:   "Inscription refusée : %s",
			notification.KindCANCELLED:  "Inscription annulée : %s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "Votre inscription est confirmée.",
			notification.KindPENDING:    "Nous avons reçu votre inscription ; les organisateurs vont l'examiner.",
			notification.KindWAITLISTED: "Le lancement est complet : vous êtes sur la liste d'attente.",
			notification.KindPROMOTED:   "Une place s'est libérée : vous quittez la liste d'attente.",
			notification.KindAPPROVED:   "Les organisateurs ont approuvé votre inscription.",
			notification.KindREJECTED:   "Les organisateurs n'ont pas pu accepter votre inscription.",
			notification.KindCANCELLED:  "Votre inscription a été annulée.",
		},
		Hello: "Bonjour %s,", When: "Quand", LocalTZ: "heure locale", UTC: "UTC", Where: "Où", Online: "En ligne",
		Status: "Statut", Position: "Position sur la liste d'attente", Manage: "Gérer votre inscription",
		Calendar: "L'événement est joint pour votre agenda.", Footer: "Lancements régionaux des Lignes directrices COP 2020",
		Statuses: map[string]string{"CONFIRMED": "confirmée", "PENDING": "en attente d'approbation", "WAITLISTED": "liste d'attente", "REJECTED": "refusée", "CANCELLED": "annulée"},
	},
	"es": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "Inscripción confirmada: %s",
			notification.KindPENDING:    "Inscripción recibida, pendiente de aprobación: %s",
			notification.KindWAITLISTED: "Está en la lista de espera: %s",
			notification.KindPROMOTED:   "Ya tiene una plaza: %s",
			notification.KindAPPROVED:   "Inscripción aprobada: %s",
			notification.KindREJECTED:   "Inscripción rechazada: %s",
			notification.KindCANCELLED:  "Inscripción cancelada: %s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "Su inscripción está confirmada.",
			notification.KindPENDING:    "Hemos recibido su inscripción; los organizadores la revisarán.",
			notification.KindWAITLISTED: "El lanzamiento está completo: está en la lista de espera.",
			notification.KindPROMOTED:   "Se ha liberado una plaza y sale de la lista de espera.",
			notification.KindAPPROVED:   "Los organizadores aprobaron su inscripción.",
			notification.KindREJECTED:   "Los organizadores no pudieron aceptar su inscripción.",
			notification.KindCANCELLED:  "Su inscripción ha sido cancelada.",
		},
		Hello: "Estimado/a %s:", When: "Cuándo", LocalTZ: "hora local", UTC: "UTC", Where: "Dónde", Online: "En línea",
		Status: "Estado", Position: "Posición en la lista de espera", Manage: "Gestionar su inscripción",
		Calendar: "Se adjunta el evento para su calendario.", Footer: "Lanzamientos regionales de las Directrices COP 2020",
		Statuses: map[string]string{"CONFIRMED": "confirmada", "PENDING": "pendiente de aprobación", "WAITLISTED": "en lista de espera", "REJECTED": "rechazada", "CANCELLED": "cancelada"},
	},
	"ru": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "Регистрация подтверждена: %s",
			notification.KindPENDING:    "Регистрация получена и ожидает одобрения: %s",
			notification.KindWAITLISTED: "Вы в листе ожидания: %s",
			notification.KindPROMOTED:   "Для вас освободилось место: %s",
			notification.KindAPPROVED:   "Регистрация одобрена: %s",
			notification.KindREJECTED:   "Регистрация отклонена: %s",
			notification.KindCANCELLED:  "Регистрация отменена: %s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "Ваша регистрация подтверждена.",
			notification.KindPENDING:    "Мы получили вашу регистрацию; организаторы её рассмотрят.",
			notification.KindWAITLISTED: "Мест нет: вы в листе ожидания.",
			notification.KindPROMOTED:   "Освободилось место, и вы больше не в листе ожидания.",
			notification.KindAPPROVED:   "Организаторы одобрили вашу регистрацию.",
			notification.KindREJECTED:   "Организаторы не смогли принять вашу регистрацию.",
			notification.KindCANCELLED:  "Ваша регистрация отменена.",
		},
		Hello: "Здравствуйте, %s!", When: "Когда", LocalTZ: "местное время", UTC: "UTC", Where: "Где", Online: "Онлайн",
		Status: "Статус", Position: "Место в листе ожидания", Manage: "Управление регистрацией",
		Calendar: "Событие приложено для вашего календаря.", Footer: "Региональные презентации Руководящих принципов COP 2020",
		Statuses: map[string]string{"CONFIRMED": "подтверждена", "PENDING": "ожидает одобрения", "WAITLISTED": "лист ожидания", "REJECTED": "отклонена", "CANCELLED": "отменена"},
	},
	"zh": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "报名已确认：%s",
			notification.KindPENDING:    "报名已收到，等待审批：%s",
			notification.KindWAITLISTED: "您已进入候补名单：%s",
			notification.KindPROMOTED:   "您已获得名额：%s",
			notification.KindAPPROVED:   "报名已获批准：%s",
			notification.KindREJECTED:   "报名未获接受：%s",
			notification.KindCANCELLED:  "报名已取消：%s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "您的报名已确认。",
			notification.KindPENDING:    "我们已收到您的报名，组织者将进行审核。",
			notification.KindWAITLISTED: "名额已满：您已进入候补名单。",
			notification.KindPROMOTED:   "有名额空出，您已离开候补名单。",
			notification.KindAPPROVED:   "组织者已批准您的报名。",
			notification.KindREJECTED:   "组织者无法接受您的报名。",
			notification.KindCANCELLED:  "您的报名已取消。",
		},
		Hello: "%s，您好：", When: "时间", LocalTZ: "当地时间", UTC: "UTC", Where: "地点", Online: "线上",
		Status: "状态", Position: "候补位置", Manage: "管理您的报名",
		Calendar: "附件中的活动可加入您的日历。", Footer: "COP 2020 指南区域发布会",
		Statuses: map[string]string{"CONFIRMED": "已确认", "PENDING": "等待审批", "WAITLISTED": "候补", "REJECTED": "未获接受", "CANCELLED": "已取消"},
	},
	"ar": {
		Subjects: map[notification.Kind]string{
			notification.KindREGISTERED: "تم تأكيد التسجيل: %s",
			notification.KindPENDING:    "تم استلام التسجيل وهو بانتظار الموافقة: %s",
			notification.KindWAITLISTED: "أنت على قائمة الانتظار: %s",
			notification.KindPROMOTED:   "أصبح لك مقعد: %s",
			notification.KindAPPROVED:   "تمت الموافقة على التسجيل: %s",
			notification.KindREJECTED:   "تم رفض التسجيل: %s",
			notification.KindCANCELLED:  "تم إلغاء التسجيل: %s",
		},
		Intros: map[notification.Kind]string{
			notification.KindREGISTERED: "تم تأكيد تسجيلك.",
			notification.KindPENDING:    "استلمنا تسجيلك وسيراجعه المنظمون.",
			notification.KindWAITLISTED: "اكتمل العدد: أنت على قائمة الانتظار.",
			notification.KindPROMOTED:   "تحرر مقعد وانتقلت من قائمة الانتظار.",
			notification.KindAPPROVED:   "وافق المنظمون على تسجيلك.",
			notification.KindREJECTED:   "لم يتمكن المنظمون من قبول تسجيلك.",
			notification.KindCANCELLED:  "تم إلغاء تسجيلك.",
		},
		Hello: "عزيزي/عزيزتي %s،", When: "الموعد", LocalTZ: "التوقيت المحلي", UTC: "UTC", Where: "المكان", Online: "عبر الإنترنت",
		Status: "الحالة", Position: "الترتيب في قائمة الانتظار", Manage: "إدارة تسجيلك",
		Calendar: "الحدث مرفق لإضافته إلى تقويمك.", Footer: "الإطلاقات الإقليمية لمبادئ COP 2020 التوجيهية",
		Statuses: map[string]string{"CONFIRMED": "مؤكد", "PENDING": "بانتظار الموافقة", "WAITLISTED": "قائمة الانتظار", "REJECTED": "مرفوض", "CANCELLED": "ملغى"},
	},
}

// textsFor returns the texts of lang, or English.
func textsFor(lang string) (texts, string) {
	if t, ok := catalog[lang]; ok {
		return t, lang
	}
	return catalog["en"], "en"
}

// Language is the language a registrant who prefers pref is written to: pref when the
// messages exist in it (the six UN languages), else English.
func Language(pref string) string {
	_, lang := textsFor(pref)
	return lang
}
