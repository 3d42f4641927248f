package emulator

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// The card events the emulator pushes, one function per event, called by
// the state change that causes it while it holds Emulator.mu.

// Stock reminders, as WeChat documents them: when a card that started with
// more than 200 in stock has 100 or fewer left, a claim triggers
// card_sku_remind, at most once every 12 hours per card. The emulator reads
// "started with" as total_quantity, which card/modifystock moves too.
const (
	skuRemindInitialAbove = 200
	skuRemindAtOrBelow    = 100
	skuRemindEvery        = 12 * time.Hour
)

func (e *Emulator) pushReview(a *appState, cd *card, rejected bool, reason string) {
	if rejected {
		e.emit(a.AppID, "card_not_pass_check", reviewAccount, str("CardId", cd.ID), str("RefuseReason", reason))
		return
	}
	e.emit(a.AppID, "card_pass_check", reviewAccount, str("CardId", cd.ID), str("RefuseReason", ""))
}

// pushGetCard is user_get_card. giver and oldCode are set for a card
// given by a friend.
func (e *Emulator) pushGetCard(a *appState, u *userCard, giver, oldCode string) {
	given := int64(0)
	if giver != "" {
		given = 1
	}
	e.emit(a.AppID, "user_get_card", u.OpenID,
		str("CardId", u.CardID), num("IsGiveByFriend", given), str("UserCardCode", u.Code),
		str("FriendUserName", giver), str("OldUserCardCode", oldCode), num("OuterId", 0),
		str("OuterStr", u.OuterStr), num("IsRestoreMemberCard", 0), num("IsRecommendByFriend", 0),
		str("UnionId", ""))
}

// pushSkuRemind is card_sku_remind, when the stock rule above says so.
// defaultRefuseReason is card_not_pass_check's RefuseReason when the
// review gave none; maxRefuseReason bounds one given.
const (
	defaultRefuseReason = "emulator: refused in review"
	maxRefuseReason     = 256
)

type skuKey struct{ appID, cardID string }

func (e *Emulator) pushSkuRemind(a *appState, cd *card, now time.Time) {
	if cd.TotalQuantity <= skuRemindInitialAbove || cd.Quantity > skuRemindAtOrBelow {
		return
	}
	p := e.push
	p.mu.Lock()
	if p.skuReminded == nil {
		p.skuReminded = map[skuKey]time.Time{}
	}
	key := skuKey{a.AppID, cd.ID}
	last, seen := p.skuReminded[key]
	due := !seen || now.Sub(last) >= skuRemindEvery
	if due && p.targets[a.AppID] != nil {
		p.skuReminded[key] = now
	}
	p.mu.Unlock()
	if due {
		e.emit(a.AppID, "card_sku_remind", reviewAccount, str("CardId", cd.ID),
			str("Detail", "the card's quantity is "+strconv.FormatInt(cd.Quantity, 10)))
	}
}

func (e *Emulator) pushConsume(a *appState, u *userCard) {
	e.emit(a.AppID, "user_consume_card", u.OpenID,
		str("CardId", u.CardID), str("UserCardCode", u.Code), str("ConsumeSource", "FROM_API"),
		str("LocationName", ""), str("StaffOpenId", ""), str("VerifyCode", ""), str("RemarkAmount", ""),
		str("OuterStr", u.OuterStr), num("LocationId", 0))
}

func (e *Emulator) pushDelete(a *appState, u *userCard) {
	e.emit(a.AppID, "user_del_card", u.OpenID, str("CardId", u.CardID), str("UserCardCode", u.Code))
}

func (e *Emulator) pushMemberUpdate(a *appState, u *userCard, bonusDelta, balanceDelta int64) {
	if bonusDelta == 0 && balanceDelta == 0 {
		return
	}
	e.emit(a.AppID, "update_member_card", u.OpenID,
		str("CardId", u.CardID), str("UserCardCode", u.Code),
		num("ModifyBonus", bonusDelta), num("ModifyBalance", balanceDelta))
}

// GiveCard simulates a user giving a card in their wallet to a friend who
// accepts it: the card changes hands with its code, and the giver's
// server gets user_gifting_card and then user_get_card (IsGiveByFriend 1)
// for the friend. Errors: ErrUnknownApp, ErrNotFound (no such user card),
// ErrInvalidArgument (the card is not usable, or friend is the holder).
func (e *Emulator) GiveCard(ctx context.Context, appID, cardID, code, friendOpenID string) error {
	if friendOpenID == "" || len(friendOpenID) > 128 {
		return fmt.Errorf("%w: the friend's openid is required (at most 128 bytes)", ErrInvalidArgument)
	}
	a, cd, u, unlock, err := e.lockUserCard(ctx, appID, cardID, code)
	if err != nil {
		return err
	}
	defer unlock()
	now := e.now()
	switch {
	case cd.Status == StatusDelete || u.usable(now) != nil:
		return fmt.Errorf("%w: the user card is %s and cannot be given", ErrInvalidArgument, u.status(now))
	case u.OpenID == friendOpenID:
		return fmt.Errorf("%w: the friend already holds the card", ErrInvalidArgument)
	}
	giver := u.OpenID
	u.OpenID = friendOpenID
	if err := e.saveLocked(); err != nil {
		u.OpenID = giver
		return err
	}
	e.emit(a.AppID, "user_gifting_card", giver,
		str("CardId", u.CardID), str("UserCardCode", u.Code), str("FriendUserName", friendOpenID),
		num("IsReturnBack", 0), num("IsChatRoom", 0))
	e.pushGetCard(a, u, giver, u.Code)
	return nil
}
