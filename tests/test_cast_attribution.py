"""Who says each quote, on passages written for these tests."""

from __future__ import annotations

from narration.cast.attribution import attribute
from narration.cast.frames import frame_after, frame_before


def _run(text: str):
    paras = [p.strip() for p in text.strip().split("\n\n")]
    result = attribute([[(p, p.startswith("#")) for p in paras]])
    names = {c.id: c.name for c in result.characters}
    names["-"] = "the narrator"
    return result, [(q.paragraph, names.get("-" if q.narrator else q.speaker), q.rule) for q in result.quotes]


def test_frames_inverted_plain_before_and_relative():
    assert frame_after("said the Mock Turtle in a deep voice.", '"No,"').np == "the Mock Turtle"
    assert frame_after("the March Hare went on.", '"Well,"').np == "the March Hare"
    assert frame_after("Mr. Bennet replied calmly.", '"So,"').np == "Mr. Bennet"
    assert frame_after("said he.", '"So,"').pronoun == "male"
    assert frame_after("Then Alice went home.", '"Bye."') is None  # no speech verb
    assert frame_before("It was late. Mr. Darcy said:").np == "Mr. Darcy"  # a title's stop ends no sentence
    assert frame_before("the slow pace of the Tortoise, who replied, laughing:").np == "the Tortoise"
    assert frame_before("he was about to kill him, when the Mouse piteously entreated, saying:").np == "the Mouse"
    assert frame_before("Holmes leaned forward and said:").np == "Holmes"
    assert frame_before("It was a dark night.") is None


def test_explicit_pronoun_interrupted_and_turns():
    _, got = _run('''
# Chapter I

The Hatter looked at Alice. He was cross.

"Your hair wants cutting," said the Hatter.

"You should learn not to make personal remarks," Alice said with some severity; "it's very rude."

The Hatter opened his eyes very wide on hearing this.

"Why is a raven like a writing-desk?" he asked.

"I believe I can guess that."

"Do you mean that you think you can find out the answer to it?"

"Exactly so."
''')
    assert got[0] == (2, "the Hatter", "explicit")
    assert got[1] == (3, "Alice", "explicit")
    assert got[2] == (3, "Alice", "paragraph")  # the interrupted quote's second half
    assert got[3] == (5, "the Hatter", "pronoun")  # "he asked": the nearest man named before it
    assert [g[1] for g in got[4:]] == ["Alice", "the Hatter", "Alice"]  # turn-taking between the two
    assert {g[2] for g in got[4:]} == {"turns"}


def test_weak_evidence_is_left_to_the_narrator():
    _, got = _run('''
It was a cold morning, and the road was long and empty for many miles in every direction, with no one on it at all.

"Is anybody there?"

The wind answered nothing, and the fields lay white under the frost as far as the eye could follow the hedges.
''')
    assert got == [(1, None, "")]


def test_first_person_narrator_and_vocatives():
    result, got = _run('''
I had not slept. Holmes was already at the table, and I confess I felt a little ashamed of my late hour.

"You are late, Watson," said Holmes.

"I am," I answered. "What is the news?"

"Bad news, Watson."

"How bad?"

"The worst."
''')
    assert got[0] == (1, "Holmes", "explicit")
    assert got[1][1:] == ("the narrator", "first-person") and got[2][1] == "the narrator"
    assert [g[1] for g in got[3:]] == ["Holmes", "the narrator", "Holmes"]
    # Watson is only ever called, never named speaking, in a first-person book: the narrator
    assert "Watson" not in {c.name for c in result.characters}


def test_fable_animals_speak_through_pronouns():
    result, got = _run('''
A Crow having stolen a bit of meat, perched in a tree. A Fox, seeing this, longed to possess the meat himself. "How handsome is the Crow," he exclaimed, "in the beauty of her shape!"
''')
    assert [g[1] for g in got] == ["the Fox", "the Fox"]
    kinds = {c.name: c.kind for c in result.characters}
    assert kinds["the Fox"] == "animal" and kinds["the Crow"] == "animal"


def test_keys_match_the_script_spans():
    from narration.text.spans import split_spans

    text = '"Yes," said he, "indeed."'
    result = attribute([[("Holmes sat down.", False), (text, False)]])
    spans = split_spans(text)
    for q in result.quotes:
        assert spans[q.span].speech and text[spans[q.span].start : spans[q.span].end] == q.text
    assert set(result.speakers()) == {(0, 1, 0), (0, 1, 2)}


def test_speed_of_a_long_book():
    """50,000 words of dialogue in well under the time a 450,000-word book may take (2 minutes)."""
    import time

    para = ['"I do not know," said Alice. "Do you?"', '"No," said the Hatter.', "They sat in silence for a while."]
    chapters = [[(p, False) for p in para * 200] for _ in range(10)]
    start = time.perf_counter()
    result = attribute(chapters)
    assert time.perf_counter() - start < 10
    assert len(result.quotes) == 10 * 200 * 3


def test_a_line_calling_someone_is_the_other_speakers():
    _, got = _run('''
Holmes sat by the fire. Mortimer stood at the door with his hat in his hand, looking very tired.

"Come in," said Holmes.

"Thank you."

"Sit down, Mortimer, and tell me everything."
''')
    assert got[0][1] == "Holmes"
    assert got[2][1:] == ("Holmes", "vocative")  # calls Mortimer: Holmes, the other speaker here


def test_the_narrator_is_one_speaker_in_turns():
    """'I says' and the name the others call the narrator ("Huck") are one turn-taker: two of
    the narrator's turns in a row say nothing about the turn after them."""
    _, got = _run('''
We sat on the raft and watched the river go by in the dark, and Jim smoked his pipe.

"Where is it?" says Jim.

"Down yonder," I says.

"Is it far, Huck?"

"Not far."

Jim looked at the water a long while.

"I don't like it," I says.

"Why not?"

"It's too dark," I says.
''')
    assert [g[1] for g in got[:4]] == ["Jim", "the narrator", "Jim", "the narrator"]  # Huck, called: the narrator
    assert got[5][1] != "the narrator"  # after the narrator twice: not the narrator's by turns


def test_a_japanese_book_keeps_every_quote_with_the_narrator():
    from narration.cast.attribution import attribute_book
    from narration.model import Book, Chapter, Paragraph

    book = Book("蜘蛛の糸", language="ja", chapters=[Chapter("一", [Paragraph("「こら、罪人ども。」と犍陀多は言った。")])])
    result = attribute_book(book)
    assert result.characters == () and [q.speaker for q in result.quotes] == [None]
    assert result.quotes[0].text == "「こら、罪人ども。」"


def test_a_description_answering_the_one_it_fits_is_its_own_speaker():
    _, got = _run('''
Dorothy looked at the strange people who came toward her across the grass.

"Who are you?" asked Dorothy.

"I am a friend of the Munchkins," said the little old woman.

"And where am I?" asked Dorothy.

"In the land of the East," said the little old woman.
''')
    # Dorothy, the only woman named, just spoke: "the little old woman" is someone else
    assert [g[1] for g in got] == ["Dorothy", "the little old woman", "Dorothy", "the little old woman"]


def test_his_wife_is_the_mrs_of_his_name():
    _, got = _run('''
Mr. Mallow came home late, and Mr. Mallow was tired. Mrs. Mallow was waiting; Mrs. Mallow had the letter.

Miss Price, the governess, came in with the candles. Miss Price set them down and went out again.

"Have you read it?" cried his wife.
''')
    # Mr. Mallow's wife, though Miss Price is the woman named last
    assert got == [(2, "Mrs. Mallow", "pronoun")]


def test_a_pronoun_that_found_no_one_takes_the_nearest_turn_of_its_gender():
    _, got = _run('''
They sat in the kitchen, and the clock ticked on the wall above the dresser, slow and loud.

"Who is it?" said Tom.

"The baker," returned she.

Tom made no answer.

"Go and see," said Anne.
''')
    # no woman is named before "returned she": Anne, who speaks two turns on, not Tom
    assert [g[1] for g in got] == ["Tom", "Anne", "Anne"]


def test_the_actor_of_a_narration_paragraph_speaks_the_quote_after_it():
    _, got = _run('''
"Where were you?" asked Mrs. Hale.

"You are late again," said Mr. Hale.

Mrs. Hale said nothing, but, unable to bear it, began scolding one of the maids.

"Don't stand there, Betty, for pity's sake!"
''')
    assert got[2][1:] == ("Mrs. Hale", "actor")  # not Mr. Hale, the other speaker, by the vocative rule


def test_a_title_after_an_article_is_no_fable_creature():
    result, _ = _run('''
He was the elder Mr. Darcy's godson, and a Mr. Robinson had asked about him twice.

"Is he here?" asked Mr. Robinson.
''')
    assert "the Mr" not in {c.name for c in result.characters}


def test_an_aside_to_the_first_person_narrator_leaves_the_turns_as_they_were():
    """A line calling the narrator by name is not answered by the narrator where the run's
    turns say the other speaker answers (the narrator listens to most conversations they tell)."""
    _, got = _run('''
I sat by the window while Holmes questioned our visitor, and I said nothing, for I was content to listen to my friend.

"You saw the marks?" said Holmes.

"I did."

"And the gate?"

"Closed."

"Capital! You hear that, Watson? A man after our own heart. And the path?"

"Wet with rain."

"Then I must see it, Dr. Mortimer."

"You shall, Mr. Holmes," said Mortimer.
''')
    assert got[4][1] == "Mr. Holmes"
    assert got[5][1:] == ("Dr. Mortimer", "turns")  # not the narrator, whom the line before called
    assert [g[1] for g in got[1:4]] == ["Dr. Mortimer", "Mr. Holmes", "Dr. Mortimer"]


def test_a_pronoun_acting_in_the_paragraph_before_speaks_the_quote():
    """"He put down his hat ..." then a lone quote: the man the pronoun stands for speaks it,
    though the long paragraph of narration ended the run of turns."""
    _, got = _run('''
Mr. Carver came into the room where Mrs. Dale sat sewing by the window.

"Good morning," said Mrs. Dale.

"Good morning," said Mr. Carver.

Mrs. Dale went on with her sewing. He put down his hat upon the table and looked out at the garden for a long while, turning over in his mind all that had been said the day before, and a good deal else besides that he had not said to anyone.

"It is a fine garden."
''')
    assert got[-1][1:] == ("Mr. Carver", "actor-pronoun")


def test_a_frame_naming_no_one_we_know_stays_with_the_narrator():
    """"said one of them", "another said": a third speaker, whom turn-taking must not replace
    with one of the two talking; "one of the Gardeners" is the Gardeners' where they speak."""
    _, got = _run('''
Alice and the Hatter sat at the table, and the Gardeners stood by the roses with their brushes.

"Why are you painting them?" said Alice.

"Because we must," said one of them.

"Must you?" said the Hatter.

"I think not," said Alice.

"We must," another said.

"Nonsense," said the Hatter.

"Hush," said the Gardener. "The Queen!"

"She is coming," said one of the Gardeners.
''')
    assert got[1] == (2, None, "") and got[4] == (5, None, "")
    assert [g[1] for g in got[:1] + got[2:4]] == ["Alice", "the Hatter", "Alice"]
    assert got[-1][1:] == ("the Gardener", "explicit")


def test_a_description_that_is_a_character_speaks_for_itself():
    """"said the little old woman", a description the book uses as a name (seen twice, three
    words), is that character's even where another woman was mentioned just before."""
    _, got = _run('''
Dorothy stood at the door of the house, and the Munchkins and the little old woman came near.

"Welcome," said the little old woman.

"Thank you," said Dorothy.

"Who was she?" said the Munchkin.

Dorothy looked at the feet of the dead Witch under the house.

"A witch," said the little old woman.
''')
    assert got[-1][1:] == ("the little old woman", "pronoun")


def test_a_pronoun_finds_a_character_brought_in_with_a():
    """"A Fox" opening sentences before quotes makes "A Fox" one of the Fox's forms; a later
    "a Fox was strolling" is still a mention of him for "quoth he"."""
    _, got = _run('''
# The Fox and the Crow

A Crow sat in a tree with a piece of cheese. A Fox came by. "Good day, Mistress Crow," said the Fox.

# The Fox and the Goat

A Goat stood in a well. A Fox looked down. "Is the water good?" said the Fox.

# The Fox and the Grapes

One hot day a Fox was strolling through an orchard till he came to a bunch of grapes. "Just the thing for my thirst," quoth he.
''')
    assert got[-1] == (5, "the Fox", "pronoun")


def test_a_frame_closing_its_paragraph_with_a_colon_goes_on_in_the_next():
    _, got = _run('''
# The Fox and the Stork

The Fox gave the Stork soup in a flat dish, and the Stork could not drink it. "I will not apologise for the dinner," said the Stork:

"One bad turn deserves another."
''')
    assert got[-1] == (2, "the Stork", "continued")


def test_she_said_is_never_the_first_person_narrators():
    """In a first-person book a name only ever called is taken for the narrator's; "she said"
    after it is someone else's or the narrator reads it by doubt, never the narrator's by evidence."""
    _, got = _run('''
I went down to the garden with my book, and I sat under the old tree while Kitty played on the lawn with her ball.

"Come and play, Kitty!" I called. "Come, Kitty, come."

Kitty ran to the fence and looked over it into the lane, and I got up to see what she was looking at.

"Look! a cart!" cried she.
''')
    assert got[-1][1] != "the narrator"


def test_a_frame_before_whose_subject_is_a_pronoun_inside_the_sentence():
    """"But when he had thought it over he looked at me steady, and says:": the pronoun is the
    subject, though the sentence opens with none."""
    assert frame_before("But when he had thought it over he looked at me steady, and says:").np == "he"
    assert frame_before("Then, without a word, she turned and said:").np == "she"
    assert frame_before("It was a dark night.") is None


def test_began_to_is_no_speech_verb():
    """"--the cloud began to clear from his brow;--" between two halves of a quote is no frame."""
    assert frame_after("the cloud began to clear from Skulpit's brow;--", '"put your mark like the others;"') is None
    assert frame_after("the Hatter began.", '"Well,"').np == "the Hatter"


def test_a_name_under_an_epithet_is_that_character():
    """"as the avaricious Moody had muttered" is Moody's, who is named bare elsewhere; "the old
    Frog" stays apart from "a little Frog" (no bare "Frog")."""
    result, got = _run('''
Moody and Handy sat on the bench by the gate of the hospital in the sun.

"It is a shame," said Moody.

"To be kept out of all that money," as the avaricious Moody had muttered to his friend Handy, "by an old fool!"

"Oh Father," said a little Frog, "I have seen a monster!"

"Tush, child," said the old Frog.
''')
    assert [g[1] for g in got[1:3]] == ["Moody", "Moody"]
    names = {c.name for c in result.characters}
    assert "the avaricious Moody" not in names and {"the old Frog", "the little Frog"} <= names


def test_one_of_a_group_is_its_single_member_where_one_speaks():
    _, got = _run('''
The Hares ran to the lake, and the Frogs jumped into the water.

"Run!" cried the Hares.

"Stop," said the Hare. "Look at the Frogs."

"Truly," said one of the Hares, "things are not so bad."
''')
    assert got[-2][1:] == ("the Hare", "explicit")


def test_turns_go_on_after_one_speaker_speaks_twice():
    """A, B, A, then A again after a pause ("Holmes unrolled the map."): the next turn is B's, the
    one A was talking with."""
    _, got = _run('''
Holmes was in his chair when Lestrade came in and sat down by the fire.

"You have news," said Holmes.

"I have," said Lestrade.

"Tell me."

Holmes unrolled the map upon his knee. "Show me the place."

"Here, by the river."

"And the boat?"

"Gone."
''')
    assert [g[1] for g in got] == ["Holmes", "Lestrade", "Holmes", "Holmes", "Lestrade", "Holmes", "Lestrade"]


def test_a_pronoun_actor_with_the_narrator_acting_after_it_is_no_evidence():
    """"He had explained himself, and I would not seem unmoved." then a quote: the "I" acts last,
    so the sentence does not say the man speaks next."""
    _, got = _run('''
I sat by the fire. Mr. Carver stood at the window, and I waited for him to speak; I had a great deal to say to him and no wish to say it first.

"You are quiet," said Mr. Carver.

He had explained himself at last, almost with an apology, and I did not feel unmoved by it, and would not seem so, for I had waited a long while for it and had begun to think it would never come at all.

"I am willing to talk, sir."
''')
    assert got[-1][1:] != ("Mr. Carver", "actor-pronoun")


def test_a_new_sentence_after_a_quote_is_no_frame_unless_it_says_so():
    assert frame_after("The Fox thought first of one way, then of another.", '"What are you going to do?"') is None
    assert frame_after("The Horse agreed to the conditions.", '"...upon your back."') is None
    assert frame_after("Alice asked.", '"Why?"').np == "Alice"
    assert frame_after("the Hatter laughed.", '"Well,"').np == "the Hatter"  # cut by a comma: any past tense


def test_a_saying_is_no_speech_verb_and_the_others_are_no_one():
    assert frame_before("It was according to the old saying,") is None
    assert frame_before("the Mouse piteously entreated, saying:").np == "the Mouse"
    assert frame_after("said the others.", '"Why, what is he doing?"').unnamed


def test_a_sentence_opening_it_has_no_subject_i():
    from narration.cast.frames import OPENER

    assert OPENER.match("It was late.").group("np") != "I"
    assert OPENER.match("I was late.").group("np") == "I"


def test_he_said_is_never_a_crowds():
    _, got = _run('''
# The Bat, the Birds and the Beasts

The Bat hung from his perch in the tree, and the Birds and the Beasts came by.

"Come with us," said the Birds.

The Bat did not move.

The Birds that passed his perch looked up at him; but he said: "I am a Beast."
''')
    assert got[-1][1] == "the Bat"


def test_a_frame_opening_a_new_sentence_belongs_to_the_quote_after_it():
    """'The Ants inquired of him, "Why ...?" He replied, "I had ..."': "He replied" is the
    second quote's frame, not the first's."""
    _, got = _run('''
# The Ants and the Grasshopper

The Ants were drying grain. A Grasshopper, perishing with famine, passed by and begged for a little food. The Ants inquired of him, "Why did you not treasure up food during the summer?" He replied, "I had not leisure enough."
''')
    assert [g[1] for g in got] == ["the Ants", "the Grasshopper"]


def test_they_said_is_the_crowd_named_in_the_paragraph():
    _, got = _run('''
# The Ants and the Grasshopper

The Ants were drying grain, and a Grasshopper begged for food. "I sang all summer," said the Grasshopper. The Ants laughed at him, and they then said in derision: "Then dance all winter."
''')
    assert got[-1][1].lower() == "the ants" and got[-1][2] == "pronoun"
