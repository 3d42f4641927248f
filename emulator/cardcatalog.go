package emulator

type color struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// GET card/getcolors
func (c *call) getColors() (any, error) {
	return struct {
		envelope
		Colors []color `json:"colors"`
	}{success(), []color{
		{"Color010", "#63b359"}, {"Color020", "#2c9f67"}, {"Color030", "#509fc9"}, {"Color040", "#5885cf"},
		{"Color050", "#9062c0"}, {"Color060", "#d09a45"}, {"Color070", "#e4b138"}, {"Color080", "#ee903c"},
		{"Color081", "#f08500"}, {"Color082", "#a9d92d"}, {"Color090", "#dd6549"}, {"Color100", "#cc463d"},
		{"Color101", "#cf3e36"}, {"Color102", "#5E6671"},
	}}, nil
}

type secondaryCategory struct {
	ID                    int64    `json:"secondary_category_id"`
	Name                  string   `json:"category_name"`
	NeedQualificationDocs []string `json:"need_qualification_stuffs"`
	CanChoosePrepaidCard  int      `json:"can_choose_prepaid_card"`
	CanChoosePaymentCard  int      `json:"can_choose_payment_card"`
}

type primaryCategory struct {
	ID        int64               `json:"primary_category_id"`
	Name      string              `json:"category_name"`
	Secondary []secondaryCategory `json:"secondary_category"`
}

// categories is the sub-merchant category tree card/getapplyprotocol
// returns (a representative excerpt of WeChat's).
func categories() []primaryCategory {
	return []primaryCategory{
		{1, "美食", []secondaryCategory{
			{101, "粤菜", []string{"food_business_license_id"}, 1, 1},
			{102, "茶餐厅", []string{"food_business_license_id"}, 1, 1},
			{103, "快餐小吃", []string{}, 1, 1},
		}},
		{2, "休闲娱乐", []secondaryCategory{
			{201, "电影院", []string{}, 0, 1},
			{202, "KTV", []string{}, 1, 1},
		}},
		{3, "生活服务", []secondaryCategory{
			{301, "洗衣", []string{}, 1, 1},
			{302, "美容美发", []string{"health_license_id"}, 1, 0},
		}},
	}
}

// GET card/getapplyprotocol
func (c *call) getApplyProtocol() (any, error) {
	return struct {
		envelope
		Category []primaryCategory `json:"category"`
	}{success(), categories()}, nil
}
