package catalog

import "launchgraph/ent"

// The ids each admin input refers to, so that an unknown id is BAD_USER_INPUT on its field.

func one(id *int) []int {
	if id == nil {
		return nil
	}
	return []int{*id}
}

func createLaunchRefs(in ent.CreateLaunchInput) []Ref {
	return []Ref{
		{Field: "regionID", Type: "Region", IDs: []int{in.RegionID}},
		{Field: "formatID", Type: "Format", IDs: []int{in.FormatID}},
		{Field: "objectiveIDs", Type: "Objective", IDs: in.ObjectiveIDs},
		{Field: "guidelineSetIDs", Type: "GuidelineSet", IDs: in.GuidelineSetIDs},
	}
}

func updateLaunchRefs(in ent.UpdateLaunchInput) []Ref {
	return []Ref{
		{Field: "regionID", Type: "Region", IDs: one(in.RegionID)},
		{Field: "formatID", Type: "Format", IDs: one(in.FormatID)},
		{Field: "addObjectiveIDs", Type: "Objective", IDs: in.AddObjectiveIDs},
		{Field: "addGuidelineSetIDs", Type: "GuidelineSet", IDs: in.AddGuidelineSetIDs},
	}
}

func createObjectiveRefs(in ent.CreateObjectiveInput) []Ref {
	return []Ref{{Field: "launchIDs", Type: "Launch", IDs: in.LaunchIDs}}
}

func updateObjectiveRefs(in ent.UpdateObjectiveInput) []Ref {
	return []Ref{{Field: "addLaunchIDs", Type: "Launch", IDs: in.AddLaunchIDs}}
}

func createGuidelineSetRefs(in ent.CreateGuidelineSetInput) []Ref {
	return []Ref{
		{Field: "launchIDs", Type: "Launch", IDs: in.LaunchIDs},
		{Field: "sessionIDs", Type: "Session", IDs: in.SessionIDs},
	}
}

func updateGuidelineSetRefs(in ent.UpdateGuidelineSetInput) []Ref {
	return []Ref{
		{Field: "addLaunchIDs", Type: "Launch", IDs: in.AddLaunchIDs},
		{Field: "addSessionIDs", Type: "Session", IDs: in.AddSessionIDs},
	}
}

func createSessionRefs(in ent.CreateSessionInput) []Ref {
	return []Ref{
		{Field: "launchID", Type: "Launch", IDs: []int{in.LaunchID}},
		{Field: "speakerIDs", Type: "Speaker", IDs: in.SpeakerIDs},
		{Field: "guidelineSetIDs", Type: "GuidelineSet", IDs: in.GuidelineSetIDs},
	}
}

func updateSessionRefs(in ent.UpdateSessionInput) []Ref {
	return []Ref{
		{Field: "launchID", Type: "Launch", IDs: one(in.LaunchID)},
		{Field: "addSpeakerIDs", Type: "Speaker", IDs: in.AddSpeakerIDs},
		{Field: "addGuidelineSetIDs", Type: "GuidelineSet", IDs: in.AddGuidelineSetIDs},
	}
}

func createSpeakerRefs(in ent.CreateSpeakerInput) []Ref {
	return []Ref{{Field: "sessionIDs", Type: "Session", IDs: in.SessionIDs}}
}

func updateSpeakerRefs(in ent.UpdateSpeakerInput) []Ref {
	return []Ref{{Field: "addSessionIDs", Type: "Session", IDs: in.AddSessionIDs}}
}
