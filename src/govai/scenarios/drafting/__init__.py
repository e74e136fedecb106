"""辅助文书起草 and 公文校对: drafts of the 15 法定文种 from a few facts, laid out per
GB/T 9704-2012, and proofreading of drafts people wrote."""
